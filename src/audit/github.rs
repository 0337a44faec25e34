pub struct RepoSelection {
    pub include_forks: bool,
    pub include_archived: bool,
}
pub struct RemoteRepository {
    pub full_name: String,
    pub clone_url: String,
    pub html_url: Option<String>,
    pub fork: bool,
    pub archived: bool,
    pub default_branch: Option<String>,
}
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error("x")]
    X,
}
pub fn list_repositories(
    _api_url: &str,
    _owner: &str,
    _token: Option<&str>,
    _selection: &RepoSelection,
) -> Result<Vec<RemoteRepository>, GithubError> {
    todo!()
}
pub fn web_host(_api_url: &str) -> Option<String> {
    None
}
