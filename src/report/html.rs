pub fn render(_report: &crate::datastore::model::AuditReport, _out: &mut dyn std::io::Write) -> std::io::Result<()> {
    todo!()
}
