//! What the demo prints before its summary: where it serves (the URL opens the console's sign-in
//! page), the logins with their passwords and the page each opens, and the passphrases.

use std::io::Write;
use std::path::Path;

use super::Demo;
use super::folder::{self, DemoFile};
use super::phones::pad_login;
use fieldvisit_server::store::Role;
use fieldvisit_sim::county::staff;

/// The console page a role lands on after signing in; `None` for workers, who use the phone app.
pub fn landing_page(role: Role) -> Option<&'static str> {
    match role {
        Role::Admin => Some("/admin/staff"),
        Role::Supervisor => Some("/coverage"),
        Role::ChildWelfareReviewer => Some("/reviews"),
        Role::Worker => None,
    }
}

/// Writes the URL, the logins with their passwords and pages, and the audience-key passphrases.
pub fn print_access(demo: &Demo, data: &Path, out: &mut dyn Write) -> std::io::Result<()> {
    write_access(&demo.url, &demo.file, data, out)
}

/// [`print_access`] for a server at `url` with the demo file `file`.
pub fn write_access(
    url: &str,
    file: &DemoFile,
    data: &Path,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(out, "服务地址 URL      {url}")?;
    writeln!(
        out,
        "                 打开即为登录页 opens the sign-in page; 每个账号登录后进入自己的页面 each login lands on its own page"
    )?;
    writeln!(
        out,
        "                 API {url}/api/v1 · OpenAPI {url}/api/v1/openapi.json · health {url}/healthz"
    )?;
    writeln!(out, "数据文件夹 Data   {}", data.display())?;
    writeln!(out)?;
    writeln!(
        out,
        "示范账号 Demo logins: 账号 login, 密码 password, 用途 role → 登录后打开 opens after sign-in (also in {}; API: POST /api/v1/auth/login {{\"login\",\"password\"}}):",
        data.join(folder::FILE).display()
    )?;
    for a in staff::accounts() {
        let password = file.passwords.get(&a.login).map_or("-", String::as_str);
        let opens = landing_page(super::seed::role(a.role)).map_or_else(
            || "手机应用（无网页）phone app (no page)".to_owned(),
            |page| format!("{url}{page}"),
        );
        writeln!(
            out,
            "  {} {}  {} → {opens}",
            pad_login(&a.login),
            password,
            a.purpose
        )?;
    }
    for (audience, label) in [
        (
            "child-welfare",
            "儿童福利密钥口令 child-welfare key passphrase",
        ),
        ("civil-affairs", "民政密钥口令 civil-affairs key passphrase"),
    ] {
        if let Some(p) = file.passphrases.get(audience) {
            writeln!(out, "  {label}: {p}")?;
        }
    }
    writeln!(
        out,
        "  (reviewer: 在 {url}/reviews 输入口令解锁 unlock the key there with the passphrase; API: POST /api/v1/reviews/unlock {{\"audience\":\"child-welfare\",\"passphrase\":…}}, then GET /api/v1/reviews/{{visit_id}}/content)"
    )?;
    writeln!(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn each_login_names_the_page_it_opens() {
        let passwords: BTreeMap<String, String> = staff::accounts()
            .into_iter()
            .map(|a| (a.login.clone(), format!("pw-{}", a.login)))
            .collect();
        let file = DemoFile {
            version: 1,
            anchor: chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap(),
            households: 300,
            passwords,
            passphrases: BTreeMap::from([("child-welfare".into(), "pp-child".into())]),
        };
        let mut out = Vec::new();
        write_access(
            "http://127.0.0.1:8080",
            &file,
            Path::new("demo-data"),
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let line = |login: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(&format!("{login} ")))
                .unwrap_or_else(|| panic!("no line for {login} in:\n{text}"))
                .to_owned()
        };
        for (login, page) in [
            ("admin", "http://127.0.0.1:8080/admin/staff"),
            ("supervisor", "http://127.0.0.1:8080/coverage"),
            ("reviewer", "http://127.0.0.1:8080/reviews"),
            ("station-qs", "http://127.0.0.1:8080/coverage"),
            ("station-bm", "http://127.0.0.1:8080/coverage"),
            ("station-dh", "http://127.0.0.1:8080/coverage"),
        ] {
            let l = line(login);
            assert!(l.contains(&format!("pw-{login}")), "{l}");
            assert!(l.ends_with(&format!("→ {page}")), "{l}");
        }
        for w in staff::workers() {
            let l = line(&w.login);
            assert!(l.ends_with("phone app (no page)"), "{l}");
            assert!(!l.contains("http"), "{l}");
        }
        assert!(text.contains("打开即为登录页 opens the sign-in page"));
        assert!(text.contains("API http://127.0.0.1:8080/api/v1"));
        assert!(text.contains("OpenAPI http://127.0.0.1:8080/api/v1/openapi.json"));
        assert!(text.contains("数据文件夹 Data   demo-data"));
        assert!(text.contains("child-welfare key passphrase: pp-child"));
        assert!(!text.contains("civil-affairs key passphrase"));
    }
}
