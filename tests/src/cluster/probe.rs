//! Plain HTTP/1.1 probes of health endpoints, for readiness waits and recovery clocks; they need no
//! client library and never retry.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The status of `GET path` on `127.0.0.1:port`, or `None` when no answer came within a second.
pub fn status(port: u16, path: &str) -> Option<u16> {
    let wait = Duration::from_secs(1);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, wait).ok()?;
    stream.set_read_timeout(Some(wait)).ok()?;
    stream.set_write_timeout(Some(wait)).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut head = [0u8; 32];
    let mut read = 0;
    while read < 12 {
        match stream.read(&mut head[read..]) {
            Ok(0) | Err(_) => return None,
            Ok(n) => read += n,
        }
    }
    // "HTTP/1.1 200 …"
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// How long until `GET path` on `port` answers 200, polling every 20 ms; `None` after `limit`.
pub fn time_until_ok(port: u16, path: &str, since: Instant, limit: Duration) -> Option<Duration> {
    loop {
        if status(port, path) == Some(200) {
            return Some(since.elapsed());
        }
        if since.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until `GET path` on `port` answers 200, panicking with `what` after `limit`.
pub fn wait_ok(port: u16, path: &str, limit: Duration, what: &str) {
    if time_until_ok(port, path, Instant::now(), limit).is_none() {
        panic!(
            "{what}: GET {path} on port {port} did not answer 200 within {limit:?} (last: {:?})",
            status(port, path)
        );
    }
}
