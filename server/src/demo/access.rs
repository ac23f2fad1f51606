//! What the demo prints before its summary: where it serves, the logins and the passphrases.

use std::io::Write;
use std::path::Path;

use super::phones::pad_login;
use super::{Demo, folder, staff};

/// Writes the URL, the logins with their passwords and the audience-key passphrases.
pub fn print_access(demo: &Demo, data: &Path, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(out, "服务地址 URL      {}", demo.url)?;
    writeln!(
        out,
        "                 API {0}/api/v1 · OpenAPI {0}/api/v1/openapi.json · health {0}/healthz",
        demo.url
    )?;
    writeln!(out, "数据文件夹 Data   {}", data.display())?;
    writeln!(out)?;
    writeln!(
        out,
        "示范账号 Demo logins (POST /api/v1/auth/login {{\"login\",\"password\"}}; also in {}):",
        data.join(folder::FILE).display()
    )?;
    for a in staff::accounts() {
        let password = demo
            .file
            .passwords
            .get(&a.login)
            .map_or("-", String::as_str);
        writeln!(out, "  {} {}  {}", pad_login(&a.login), password, a.purpose)?;
    }
    for (audience, label) in [
        (
            "child-welfare",
            "儿童福利密钥口令 child-welfare key passphrase",
        ),
        ("civil-affairs", "民政密钥口令 civil-affairs key passphrase"),
    ] {
        if let Some(p) = demo.file.passphrases.get(audience) {
            writeln!(out, "  {label}: {p}")?;
        }
    }
    writeln!(
        out,
        "  (reviewer: POST /api/v1/reviews/unlock {{\"audience\":\"child-welfare\",\"passphrase\":…}}, then GET /api/v1/reviews/{{visit_id}}/content)"
    )?;
    writeln!(out)
}
