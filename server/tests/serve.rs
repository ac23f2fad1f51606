//! `fieldvisit-server serve` as a real process: listens, answers, stops gracefully on SIGTERM and
//! writes down the coverage books it kept.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

#[test]
fn serves_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let added = Command::new(env!("CARGO_BIN_EXE_fieldvisit-server"))
        .args(["org", "add", "--id", "js", "--level", "province"])
        .args(["--name", "江苏省"])
        .env("FIELDVISIT_DATA", dir.path())
        .output()
        .unwrap();
    assert!(added.status.success(), "{added:?}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldvisit-server"))
        .args(["serve"])
        .env("FIELDVISIT_DATA", dir.path())
        .env("FIELDVISIT_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.split("127.0.0.1:").nth(1) {
            break rest
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap();
        }
    };
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
    let db = rusqlite::Connection::open(dir.path().join("fieldvisit.db")).unwrap();
    let kept: Vec<String> = db
        .prepare("SELECT village_id FROM coverage_snapshot")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(kept, ["js"], "the warm-up's books are written at the stop");
}
