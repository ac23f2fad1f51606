//! The documented reverse-proxy profile (`docs/nginx/fieldvisit.conf`) in front of the real server
//! binary, with Debian's nginx: HTTPS answers with HSTS and the `__Host-` session cookie, plain
//! HTTP is redirected, the per-address sign-in limit sees the address nginx forwards (two client
//! addresses are limited apart, a forged `X-Forwarded-For` does not escape the limit, and without
//! `--trusted-proxy` every request counts as the proxy's), and a sealed visit with a photo in
//! chunks passes through, with the body size limit where the server puts it.
//!
//! Needs `/usr/sbin/nginx` (`apt-get install nginx-light`); skipped without it unless
//! `FIELDVISIT_REQUIRE_NGINX=1` (as `scripts/test-all.sh` sets).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use fieldvisit_core::protocol::{Receipt, UploadStatus};
use fieldvisit_core::sync::SyncOptions;
use fieldvisit_server::store::Role;
use fieldvisit_sim::phone::{Phone, VisitRecord};
use fieldvisit_tests::harness::{
    PASSWORD, add_staff, enrollment_code, free_port, open_state, runtime, seed,
};
use reqwest::blocking::{Client, Response};

/// The profile as shipped; the test changes only ports, certificate paths and the upstream.
const PROFILE: &str = include_str!("../../docs/nginx/fieldvisit.conf");
const NGINX: &str = "/usr/sbin/nginx";
/// The host name the profile serves.
const HOST: &str = "fieldvisit.example.gov.cn";
/// Sign-in attempts one address may make at once; small, so the test reaches the limit quickly.
const BURST: usize = 2;
/// Attempts each address sends at once.
const ATTEMPTS: usize = 6;

/// Whether nginx is there; without it the test is skipped, unless it is required.
fn nginx_available() -> bool {
    if Path::new(NGINX).exists() {
        return true;
    }
    assert!(
        std::env::var("FIELDVISIT_REQUIRE_NGINX").as_deref() != Ok("1"),
        "FIELDVISIT_REQUIRE_NGINX=1 but {NGINX} is missing (apt-get install nginx-light)"
    );
    eprintln!(
        "skipped: {NGINX} is missing (apt-get install nginx-light; FIELDVISIT_REQUIRE_NGINX=1 \
         makes this a failure)"
    );
    false
}

fn wait_for_port(port: u16, what: &str, process: &mut Child, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = process.try_wait() {
            panic!(
                "{what} exited ({status}):\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The server binary on `port`, killed when dropped.
struct Server {
    process: Child,
    port: u16,
}

impl Server {
    fn start(data: &Path, log_dir: &Path, trusted_proxy: bool) -> Server {
        let port = free_port();
        let log = log_dir.join(format!("server-{port}.log"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fieldvisit-test-server"));
        cmd.args(["serve", "--data"])
            .arg(data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--secure-cookies", "--signin-burst", &BURST.to_string()])
            .args(["--public-url", &format!("https://{HOST}")]);
        if trusted_proxy {
            cmd.args(["--trusted-proxy", "127.0.0.1"]);
        }
        let mut process = cmd
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start the server");
        wait_for_port(port, "the server", &mut process, &log);
        Server { process, port }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// nginx with the profile, one process under a temporary prefix, stopped when dropped (also when
/// the test fails).
struct Nginx {
    process: Child,
    http_port: u16,
    https_port: u16,
}

impl Nginx {
    fn start(dir: &Path, upstream: u16, cert: &Path, key: &Path) -> Nginx {
        let (http_port, https_port) = (free_port(), free_port());
        let prefix = dir.join(format!("nginx-{https_port}"));
        std::fs::create_dir_all(&prefix).unwrap();
        std::fs::write(
            prefix.join("fieldvisit.conf"),
            site(upstream, http_port, https_port, cert, key),
        )
        .unwrap();
        let p = prefix.display();
        // One process (no master and workers), so it runs as whoever runs the test, needs no user
        // to switch to, and one kill stops it; every path nginx writes is under the prefix.
        let main = format!(
            "master_process off;
daemon off;
pid {p}/nginx.pid;
error_log {p}/error.log info;
events {{ worker_connections 512; }}
http {{
    access_log {p}/access.log;
    client_body_temp_path {p}/body;
    proxy_temp_path {p}/proxy;
    fastcgi_temp_path {p}/fastcgi;
    uwsgi_temp_path {p}/uwsgi;
    scgi_temp_path {p}/scgi;
    include {p}/fieldvisit.conf;
}}
"
        );
        let conf = prefix.join("nginx.conf");
        std::fs::write(&conf, main).unwrap();
        let log = prefix.join("error.log");
        let mut process = Command::new(NGINX)
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(&log)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        wait_for_port(https_port, "nginx", &mut process, &log);
        wait_for_port(http_port, "nginx", &mut process, &log);
        Nginx {
            process,
            http_port,
            https_port,
        }
    }

    fn https(&self) -> String {
        format!("https://{HOST}:{}", self.https_port)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// The profile with loopback ports, the test's certificate and the test's server. Each replaced
/// line must be in the profile, so a change there fails here rather than testing something else.
fn site(upstream: u16, http: u16, https: u16, cert: &Path, key: &Path) -> String {
    // Loopback IPv4 only: the test machine may have no IPv6.
    let mut site: String = PROFILE
        .lines()
        .filter(|l| !l.contains("listen [::]"))
        .map(|l| format!("{l}\n"))
        .collect();
    for (from, to) in [
        (
            "server 127.0.0.1:8080;".to_string(),
            format!("server 127.0.0.1:{upstream};"),
        ),
        ("listen 80;".into(), format!("listen 127.0.0.1:{http};")),
        (
            "listen 443 ssl http2;".into(),
            format!("listen 127.0.0.1:{https} ssl http2;"),
        ),
        (
            "/etc/nginx/tls/fieldvisit.crt".into(),
            cert.display().to_string(),
        ),
        (
            "/etc/nginx/tls/fieldvisit.key".into(),
            key.display().to_string(),
        ),
    ] {
        assert_eq!(
            site.matches(from.as_str()).count(),
            1,
            "docs/nginx/fieldvisit.conf should hold `{from}` once"
        );
        site = site.replace(&from, &to);
    }
    site
}

/// A throwaway certificate authority and a certificate for [`HOST`] it signs: the CA's PEM and
/// the certificate and key files.
fn certificates(dir: &Path) -> (reqwest::Certificate, PathBuf, PathBuf) {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().unwrap())
        .unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec![HOST.to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let (cert_file, key_file) = (dir.join("tls.crt"), dir.join("tls.key"));
    std::fs::write(&cert_file, cert.pem()).unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();
    let ca = reqwest::Certificate::from_pem(ca.as_ref().pem().as_bytes()).unwrap();
    (ca, cert_file, key_file)
}

/// An HTTPS client of nginx that trusts the test CA and connects from `from` (any 127.x address
/// is this machine's), following no redirects.
fn client(ca: &reqwest::Certificate, nginx: &Nginx, from: Ipv4Addr) -> Client {
    Client::builder()
        .add_root_certificate(ca.clone())
        .resolve(
            HOST,
            SocketAddr::from((Ipv4Addr::LOCALHOST, nginx.https_port)),
        )
        .local_address(IpAddr::V4(from))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

fn sign_in(c: &Client, nginx: &Nginx, login: &str, password: &str) -> Response {
    c.post(format!("{}/api/v1/auth/login", nginx.https()))
        .json(&serde_json::json!({ "login": login, "password": password }))
        .send()
        .expect("sign-in request")
}

/// `ATTEMPTS` wrong-password sign-ins from each of `from`, all at once; the statuses of each
/// address's attempts. The ones from 127.0.0.1 carry forged `X-Forwarded-For` headers, each
/// naming another address.
fn wrong_sign_ins_at_once(
    ca: &reqwest::Certificate,
    nginx: &Nginx,
    from: &[Ipv4Addr],
    login: &str,
) -> Vec<Vec<u16>> {
    let barrier = Arc::new(Barrier::new(from.len() * ATTEMPTS));
    let handles: Vec<Vec<_>> = from
        .iter()
        .map(|&addr| {
            (0..ATTEMPTS)
                .map(|i| {
                    let c = client(ca, nginx, addr);
                    let (url, login, barrier) =
                        (nginx.https(), login.to_string(), Arc::clone(&barrier));
                    let forged = (addr == Ipv4Addr::LOCALHOST).then(|| format!("203.0.113.{i}"));
                    std::thread::spawn(move || {
                        // Connected before the barrier, so the attempts arrive together.
                        let warm = c.get(format!("{url}/livez")).send().expect("livez");
                        assert_eq!(warm.status(), 200);
                        barrier.wait();
                        let mut rb = c
                            .post(format!("{url}/api/v1/auth/login"))
                            .json(&serde_json::json!({ "login": login, "password": "wrong" }));
                        if let Some(xff) = forged {
                            rb = rb.header("x-forwarded-for", xff);
                        }
                        let r = rb.send().expect("sign-in request");
                        let status = r.status().as_u16();
                        if status == 429 {
                            // The server's refusal, not nginx's.
                            let body: serde_json::Value = r.json().expect("a JSON refusal");
                            assert_eq!(body["error"]["code"], "rate_limited", "{body}");
                        }
                        status
                    })
                })
                .collect()
        })
        .collect();
    handles
        .into_iter()
        .map(|hs| hs.into_iter().map(|h| h.join().unwrap()).collect())
        .collect()
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|&&s| s == status).count()
}

/// Uploads the phone's sealed visits through nginx as its sync would (the envelope, then each
/// photo in `chunk` byte chunks); the bytes sent.
fn upload_through(c: &Client, nginx: &Nginx, phone: &Phone, chunk: usize) -> (usize, usize) {
    let store = phone.engine.store();
    let token = store.identity().unwrap().token.unwrap();
    let (mut envelope_bytes, mut photo_bytes) = (0, 0);
    for entry in store.outbox().unwrap() {
        let sealed = store.sealed(&entry.visit_id).unwrap().unwrap();
        let json = sealed.envelope.to_json();
        envelope_bytes += json.len();
        let r = c
            .put(format!(
                "{}/api/v1/visits/{}",
                nginx.https(),
                entry.visit_id
            ))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(json)
            .send()
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().unwrap_or_default());
        let receipt: Receipt = r.json().unwrap();
        assert!(!receipt.photos_missing.is_empty(), "the visit has photos");
        for photo_id in &receipt.photos_missing {
            let bytes = store.sealed_photo(photo_id).unwrap().unwrap();
            let url = format!(
                "{}/api/v1/visits/{}/photos/{photo_id}",
                nginx.https(),
                entry.visit_id
            );
            // A body as large as the server takes reaches it (which refuses this one, as it
            // goes past the photo's size); one byte more is refused by nginx before it does.
            let at_limit = c
                .put(format!("{url}?offset=0"))
                .bearer_auth(&token)
                .body(vec![0u8; 4 * 1024 * 1024])
                .send()
                .unwrap();
            assert_eq!(at_limit.status(), 400);
            let body: serde_json::Value = at_limit.json().expect("the server's JSON answer");
            assert_eq!(body["error"]["code"], "exceeds_size", "{body}");
            let over = c
                .put(format!("{url}?offset=0"))
                .bearer_auth(&token)
                .body(vec![0u8; 4 * 1024 * 1024 + 1])
                .send()
                .unwrap();
            assert_eq!(over.status(), 413);
            let kind = over.headers()["content-type"].to_str().unwrap().to_owned();
            assert!(kind.starts_with("text/html"), "nginx's refusal: {kind}");

            assert!(bytes.len() > chunk, "a photo of several chunks");
            let mut status = None;
            for (i, part) in bytes.chunks(chunk).enumerate() {
                let r = c
                    .put(format!("{url}?offset={}", i * chunk))
                    .bearer_auth(&token)
                    .header("content-type", "application/octet-stream")
                    .body(part.to_vec())
                    .send()
                    .unwrap();
                assert!(r.status().is_success(), "{}", r.text().unwrap_or_default());
                status = Some(r.json::<UploadStatus>().unwrap());
            }
            let status = status.unwrap();
            assert!(status.complete, "{status:?}");
            assert_eq!(status.received, bytes.len() as u64);
            photo_bytes += bytes.len();
        }
    }
    (envelope_bytes, photo_bytes)
}

#[test]
fn the_nginx_profile_forwards_client_addresses_tls_and_uploads() {
    if !nginx_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rt = runtime();
    let (workers, code) = {
        let state = open_state(&rt, &data);
        let workers = seed(&rt, &state, 1, 3);
        for id in ["sup-a", "sup-b", "sup-c"] {
            add_staff(&rt, &state, id, Role::Supervisor, "x-320115");
        }
        let code = enrollment_code(&rt, &state, &workers[0].id);
        (workers, code)
    };
    let (ca, cert, key) = certificates(dir.path());
    let (first, second, third) = (
        Ipv4Addr::LOCALHOST,
        Ipv4Addr::new(127, 0, 0, 2),
        Ipv4Addr::new(127, 0, 0, 3),
    );

    // Behind nginx, trusted as the proxy.
    let server = Server::start(&data, dir.path(), true);
    let nginx = Nginx::start(dir.path(), server.port, &cert, &key);

    // Plain HTTP is redirected to HTTPS on the configured name, whatever Host the client sent.
    let plain = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = plain
        .get(format!(
            "http://127.0.0.1:{}/api/v1/auth/me?x=1",
            nginx.http_port
        ))
        .header("host", "elsewhere.example")
        .send()
        .unwrap();
    assert_eq!(r.status(), 301);
    assert_eq!(
        r.headers()["location"],
        format!("https://{HOST}/api/v1/auth/me?x=1").as_str()
    );

    // HTTPS: a sign-in gets the `__Host-` cookie, Secure, and HSTS; the request id is nginx's.
    let r = sign_in(&client(&ca, &nginx, third), &nginx, "sup-a", PASSWORD);
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-fv_session="), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
    let request_id = r.headers()["x-request-id"].to_str().unwrap();
    assert!(
        request_id.len() == 32 && request_id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{request_id}"
    );

    // Each client address has its own limit; forged headers do not give 127.0.0.1 more attempts.
    let statuses = wrong_sign_ins_at_once(&ca, &nginx, &[first, second], "sup-b");
    for (addr, s) in [first, second].iter().zip(&statuses) {
        println!("behind a trusted nginx, from {addr}: {s:?}");
        // One more may pass if the attempts' arrival spans a refill (one every 2 s).
        assert!(
            (BURST..=BURST + 1).contains(&count(s, 401)),
            "{addr}: {s:?}"
        );
        assert_eq!(count(s, 401) + count(s, 429), ATTEMPTS, "{addr}: {s:?}");
    }

    // A phone's sealed visit and its photo, in 64 KiB chunks (a phone on a weak network), pass
    // through nginx.
    let phone = Phone::temporary().unwrap();
    phone.enroll(&server.url(), &code, "test phone").unwrap();
    phone.sync(&server.url(), SyncOptions::default()).unwrap();
    let at = Utc
        .with_ymd_and_hms(2026, 12, 1, 2, 0, 0)
        .single()
        .unwrap_or_default();
    // A camera photo as the phone's pipeline leaves it: some hundreds of KB, several chunks.
    let child = &workers[0].households[1];
    phone
        .record(&VisitRecord::sample(child, at).unwrap().with_photos(
            "entrustment_letter",
            &[fieldvisit_sim::photo::jpeg(1600, 1200, 1).unwrap()],
        ))
        .unwrap();
    let (envelope, photos) = upload_through(&client(&ca, &nginx, third), &nginx, &phone, 64 * 1024);
    println!("through nginx: an envelope of {envelope} bytes and photos of {photos} bytes");
    drop(nginx);
    drop(server);

    // Without --trusted-proxy the server ignores X-Forwarded-For: every request counts as
    // nginx's own address, so both clients share one limit.
    let server = Server::start(&data, dir.path(), false);
    let nginx = Nginx::start(dir.path(), server.port, &cert, &key);
    let statuses = wrong_sign_ins_at_once(&ca, &nginx, &[first, second], "sup-c");
    println!("behind an untrusted nginx, from {first} and {second}: {statuses:?}");
    let all = statuses.concat();
    assert!((BURST..=BURST + 1).contains(&count(&all, 401)), "{all:?}");
    assert_eq!(count(&all, 401) + count(&all, 429), all.len(), "{all:?}");
}
