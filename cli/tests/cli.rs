//! The admin subcommands of the real binary, end to end on a temp data folder.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(data: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldvisit-server"))
        .args(args)
        .env("FIELDVISIT_DATA", data)
        .env_remove("FIELDVISIT_NEW_PASSWORD")
        .env_remove("FIELDVISIT_AUDIENCE_PASSPHRASE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn ok(data: &std::path::Path, args: &[&str], stdin: &str) -> String {
    let out = run(data, args, stdin);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn admin_commands_then_audit_verify() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &[
            "org",
            "add",
            "--id",
            "js",
            "--level",
            "province",
            "--name",
            "江苏省",
        ],
        "",
    );
    ok(
        d,
        &[
            "org",
            "add",
            "--id",
            "nj",
            "--parent",
            "js",
            "--level",
            "city",
            "--name",
            "南京市",
        ],
        "",
    );
    ok(
        d,
        &[
            "org",
            "add",
            "--id",
            "k",
            "--parent",
            "nj",
            "--level",
            "county",
            "--name",
            "江宁区",
        ],
        "",
    );
    ok(
        d,
        &[
            "org",
            "add",
            "--id",
            "t",
            "--parent",
            "k",
            "--level",
            "township",
            "--name",
            "汤山街道",
        ],
        "",
    );
    ok(
        d,
        &[
            "org",
            "add",
            "--id",
            "v",
            "--parent",
            "t",
            "--level",
            "village",
            "--name",
            "汤山村",
        ],
        "",
    );
    let out = ok(
        d,
        &[
            "user",
            "add",
            "--id",
            "w1",
            "--login",
            "w1",
            "--name",
            "王社工",
            "--role",
            "worker",
            "--scope",
            "t",
        ],
        "a long password\n",
    );
    assert!(out.contains("w1"));
    let out = ok(d, &["device", "code", "--worker", "w1"], "");
    assert_eq!(out.lines().next().unwrap().len(), 11, "{out}");
    let csv = d.join("h.csv");
    std::fs::write(
        &csv,
        "household_id,village_id,head_name,id_number,address,categories,registered_on,lat,lon,worker_id\n\
         h1,v,张三,320102198001011234,汤山村1号,dibao,2026-01-05,,,w1\n",
    )
    .unwrap();
    assert!(ok(d, &["household", "import", csv.to_str().unwrap()], "").contains("imported 1"));
    // The import's transaction put the household's first due date (its registration) in the
    // ledger coverage reads.
    let db = rusqlite::Connection::open(d.join("fieldvisit.db")).unwrap();
    let due: (String, Option<i64>) = db
        .query_row(
            "SELECT category, visited_day FROM dues WHERE household_id = 'h1' AND seq = 0",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(due, ("dibao".to_owned(), None));
    drop(db);
    std::fs::write(&csv, "household_id,village_id,head_name,id_number,address,categories,registered_on,lat,lon,worker_id\nh2,v,李四,bad,addr,dibao,2026-01-05,,,\n").unwrap();
    let out = run(d, &["household", "import", csv.to_str().unwrap()], "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 2, column id_number") && !err.contains("李四"),
        "{err}"
    );
    let out = run(d, &["device", "revoke", "nope"], "");
    assert!(!out.status.success());
    let create = [
        "audience",
        "create",
        "--audience",
        "child-welfare",
        "--unit",
        "k",
    ];
    let out = ok(d, &create, "county passphrase 2026\n");
    assert!(out.starts_with("created child-welfare "), "{out}");
    assert!(!out.contains("county passphrase"));
    let again = run(d, &create, "county passphrase 2026\n");
    assert!(!again.status.success(), "one key per audience and branch");
    let weak = run(
        d,
        &["audience", "create", "--audience", "civil-affairs"],
        "short\n",
    );
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("weak_passphrase"));
    assert!(ok(d, &["audit", "verify"], "").contains("intact: 9 entries"));

    // Rotation: the current passphrase, then the new one.
    let rotate = [
        "audience",
        "rotate",
        "--audience",
        "child-welfare",
        "--unit",
        "k",
    ];
    let wrong = run(
        d,
        &rotate,
        "not the passphrase\nnew county passphrase 2027\n",
    );
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong_passphrase"));
    let out = ok(
        d,
        &rotate,
        "county passphrase 2026\nnew county passphrase 2027\n",
    );
    assert!(
        out.starts_with("rotated child-welfare of k to generation 2 "),
        "{out}"
    );
    assert!(!out.contains("passphrase 202"));
    let old = run(
        d,
        &rotate,
        "county passphrase 2026\nyet another passphrase\n",
    );
    assert!(!old.status.success(), "the old passphrase opens nothing");
    let out = ok(
        d,
        &rotate,
        "new county passphrase 2027\nyet another passphrase\n",
    );
    assert!(out.contains("to generation 3 "), "{out}");
    assert!(ok(d, &["audit", "verify"], "").contains("intact: 13 entries"));
}

#[test]
fn county_schedule_set_show_and_clear() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (id, parent, level) in [
        ("js", None, "province"),
        ("nj", Some("js"), "city"),
        ("k", Some("nj"), "county"),
    ] {
        let mut args = vec!["org", "add", "--id", id, "--level", level, "--name", "单位"];
        if let Some(p) = parent {
            args.extend(["--parent", p]);
        }
        ok(d, &args, "");
    }
    let file = d.join("k.json");
    std::fs::write(
        &file,
        r#"{"rules":[{"category":"tekun","default":{"days":14}}]}"#,
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let out = ok(d, &["schedule", "set", "--county", "k", path], "");
    assert!(out.contains("1 categories overridden"), "{out}");
    let shown: serde_json::Value =
        serde_json::from_str(&ok(d, &["schedule", "show", "--county", "k"], "")).unwrap();
    let tekun = shown["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["category"] == "tekun")
        .unwrap();
    assert_eq!(tekun["default"], serde_json::json!({ "days": 14 }));

    std::fs::write(
        &file,
        r#"{"rules":[{"category":"tekun","default":{"days":0}}]}"#,
    )
    .unwrap();
    let bad = run(d, &["schedule", "set", "--county", "k", path], "");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid_schedule"));
    let bad = run(d, &["schedule", "set", "--county", "nj", path], "");
    assert!(!bad.status.success());

    ok(d, &["schedule", "clear", "--county", "k"], "");
    let shown: serde_json::Value =
        serde_json::from_str(&ok(d, &["schedule", "show", "--county", "k"], "")).unwrap();
    let tekun = shown["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["category"] == "tekun")
        .unwrap();
    assert_eq!(tekun["default"], serde_json::json!({ "months": 1 }));
    assert!(ok(d, &["audit", "verify"], "").contains("intact"));
}

#[test]
fn backup_and_restore_of_the_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(
        &data,
        &[
            "org",
            "add",
            "--id",
            "js",
            "--level",
            "province",
            "--name",
            "江苏省",
        ],
        "",
    );
    let to = dir.path().join("backup");
    let out = ok(&data, &["backup", "--to", to.to_str().unwrap()], "");
    assert!(out.contains("verified") && out.contains("intact"), "{out}");
    // Into the data folder it came from: refused, it has a database.
    let out = run(&data, &["restore", "--from", to.to_str().unwrap()], "");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already holds a database"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Into a new folder without the audit key: refused, naming what is missing.
    let restored = dir.path().join("restored");
    let out = run(&restored, &["restore", "--from", to.to_str().unwrap()], "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("audit key file") && err.contains("--audit-key-file"),
        "{err}"
    );
    // With the key the backup was sealed with (kept apart from the backup).
    let key = data.join("audit.key");
    let key_arg = ["--audit-key-file", key.to_str().unwrap()];
    let restore = [&["restore", "--from", to.to_str().unwrap()][..], &key_arg].concat();
    let out = ok(&restored, &restore, "");
    assert!(out.contains("restored"), "{out}");
    let verify = [&["audit", "verify"][..], &key_arg].concat();
    let out = ok(&restored, &verify, "");
    assert!(out.contains("intact"), "{out}");
}
