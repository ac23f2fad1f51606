//! `fieldvisit-server serve` as a real process: listens, answers, stops gracefully on SIGTERM,
//! logs as JSON with request ids, and refuses PostgreSQL with photos on one machine's disk.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Lines, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::{Duration, Instant};

/// A data folder holding one unit of the tree.
fn data_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let added = Command::new(env!("CARGO_BIN_EXE_fieldvisit-server"))
        .args(["org", "add", "--id", "js", "--level", "province"])
        .args(["--name", "江苏省"])
        .env("FIELDVISIT_DATA", dir.path())
        .output()
        .unwrap();
    assert!(added.status.success(), "{added:?}");
    dir
}

/// `serve` with `extra` options on a free port of `dir`: the process, its log lines, the port and
/// the line that named it. The caller waits for the process.
#[allow(clippy::zombie_processes)]
fn serve_with(
    dir: &Path,
    extra: &[&std::ffi::OsStr],
) -> (Child, Lines<BufReader<ChildStderr>>, u16, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldvisit-server"))
        .args(["serve"])
        .args(extra)
        .env("FIELDVISIT_DATA", dir)
        .env("FIELDVISIT_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.split("127.0.0.1:").nth(1) {
            let port = rest
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>();
            return (child, lines, port.parse().unwrap(), line);
        }
    }
}

/// `serve` on a free port of `dir`: the process, its log lines and the port.
fn serve(dir: &Path) -> (Child, Lines<BufReader<ChildStderr>>, u16) {
    let (child, lines, port, _) = serve_with(dir, &[]);
    (child, lines, port)
}

#[test]
fn serves_and_stops_on_sigterm() {
    let dir = data_folder();
    let (mut child, lines, port) = serve(dir.path());
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
}

#[test]
fn postgres_with_photos_in_the_data_folder_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_fieldvisit-server"))
            .args(["--database", "postgres://nobody@127.0.0.1:1/none", "serve"])
            .args(extra)
            .env("FIELDVISIT_DATA", dir.path())
            .env("FIELDVISIT_LISTEN", "127.0.0.1:0")
            .env("FIELDVISIT_DB_CONNECT_TIMEOUT_SECONDS", "1")
            .output()
            .unwrap()
    };
    let refused = run(&[]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("--photos-on-one-server"), "{said}");
    assert!(said.contains("--blobs s3://"), "{said}");
    // Forced, it goes on to connect (and fails there: nothing listens on port 1).
    let forced = run(&["--photos-on-one-server"]);
    assert!(!forced.status.success());
    let said = String::from_utf8_lossy(&forced.stderr);
    assert!(!said.contains("--photos-on-one-server"), "{said}");
}

#[test]
fn json_logs_carry_the_request_id_that_the_response_returns() {
    let dir = data_folder();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldvisit-server"))
        .args(["--log-format", "json", "serve"])
        .env("FIELDVISIT_DATA", dir.path())
        .env("FIELDVISIT_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().unwrap().unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| {
            panic!("not a JSON log line ({e}): {line}");
        });
        if let Some(addr) = v["fields"]["addr"].as_str() {
            break addr.rsplit(':').next().unwrap().parse().unwrap();
        }
    };
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(
            b"GET /livez HTTP/1.1\r\nHost: x\r\nX-Request-Id: trace-42\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response
            .to_ascii_lowercase()
            .contains("x-request-id: trace-42"),
        "{response}"
    );
    // Its access-log line names it.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut found = false;
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        if v["span"]["request_id"] == "trace-42" && v["fields"]["route"] == "/livez" {
            found = true;
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(found, "no JSON access-log line with the request id");
}

#[test]
fn serves_https_with_the_given_certificate_and_says_so_in_hsts() {
    let dir = data_folder();
    // A throwaway certificate authority, and a certificate for localhost it signs.
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().unwrap())
        .unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let (cert_file, key_file) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    std::fs::write(&cert_file, cert.pem()).unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();
    let (mut child, _lines, port, line) = serve_with(
        dir.path(),
        &[
            "--tls-cert".as_ref(),
            cert_file.as_os_str(),
            "--tls-key".as_ref(),
            key_file.as_os_str(),
        ],
    );
    assert!(line.contains("https"), "{line}");
    let client = reqwest::blocking::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca.as_ref().pem().as_bytes()).unwrap())
        .resolve("localhost", ([127, 0, 0, 1], port).into())
        .build()
        .unwrap();
    let r = client
        .get(format!("https://localhost:{port}/livez"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    // Plain HTTP on the same port gets no answer.
    let plain = reqwest::blocking::Client::new()
        .get(format!("http://127.0.0.1:{port}/livez"))
        .timeout(Duration::from_secs(5))
        .send();
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
    // A client that does not trust the authority is refused.
    let untrusting = reqwest::blocking::Client::builder()
        .resolve("localhost", ([127, 0, 0, 1], port).into())
        .build()
        .unwrap();
    assert!(
        untrusting
            .get(format!("https://localhost:{port}/livez"))
            .send()
            .is_err()
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_certificate_file_that_is_not_one_is_refused_with_its_name() {
    let dir = data_folder();
    let bad = dir.path().join("not-a-cert.pem");
    std::fs::write(&bad, "hello").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fieldvisit-server"))
        .args(["serve", "--tls-cert"])
        .arg(&bad)
        .arg("--tls-key")
        .arg(&bad)
        .env("FIELDVISIT_DATA", dir.path())
        .env("FIELDVISIT_LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("not-a-cert.pem") && said.contains("certificate"),
        "{said}"
    );
}
