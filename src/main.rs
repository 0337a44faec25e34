//! The `leakhound` command: parses arguments and maps the outcome to an exit code
//! (0 clean, 1 findings, 2 error).

use std::process::ExitCode;

fn main() -> ExitCode {
    match leakhound::cli::run() {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("leakhound: error: {error:#}");
            ExitCode::from(leakhound::cli::EXIT_ERROR)
        }
    }
}
