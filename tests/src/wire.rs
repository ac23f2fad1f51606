//! A counting TCP proxy for loopback measurements: forwards every byte unchanged and counts what
//! crossed in each direction. The client→server stream is read as HTTP/1.1, so each request is
//! split into its head (request line and headers) and its body (`Content-Length` bytes), and filed
//! under its route with the ids taken out — that is how the protocol overhead is broken down.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// Bytes of the requests of one route.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RouteBytes {
    /// Requests seen.
    pub requests: u64,
    /// Request lines and headers, blank line included.
    pub head: u64,
    /// Bodies.
    pub body: u64,
}

/// What the proxy counted.
#[derive(Debug, Default)]
pub struct WireStats {
    /// Connections accepted.
    pub connections: AtomicU64,
    /// Bytes client → server.
    pub up: AtomicU64,
    /// Bytes server → client.
    pub down: AtomicU64,
    /// Client → server bytes that could not be read as HTTP/1.1 with a `Content-Length`.
    pub unparsed_up: AtomicU64,
    routes: Mutex<BTreeMap<String, RouteBytes>>,
}

impl WireStats {
    /// Requests by route (`METHOD /path/{id}/…`), with head and body bytes.
    pub fn routes(&self) -> BTreeMap<String, RouteBytes> {
        self.routes.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Sets every counter back to zero.
    pub fn reset(&self) {
        self.up.store(0, Ordering::SeqCst);
        self.down.store(0, Ordering::SeqCst);
        self.unparsed_up.store(0, Ordering::SeqCst);
        self.connections.store(0, Ordering::SeqCst);
        if let Ok(mut r) = self.routes.lock() {
            r.clear();
        }
    }

    fn record(&self, route: String, head: u64, body: u64) {
        if let Ok(mut r) = self.routes.lock() {
            let e = r.entry(route).or_default();
            e.requests += 1;
            e.head += head;
            e.body += body;
        }
    }
}

/// A running counting proxy; stops accepting when dropped.
#[derive(Debug)]
pub struct CountingProxy {
    addr: SocketAddr,
    stats: Arc<WireStats>,
    stop: Arc<AtomicBool>,
}

impl CountingProxy {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub fn start(upstream: SocketAddr) -> std::io::Result<CountingProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(WireStats::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (stats2, stop2) = (stats.clone(), stop.clone());
        thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        stats2.connections.fetch_add(1, Ordering::SeqCst);
                        let stats = stats2.clone();
                        thread::spawn(move || forward(client, upstream, &stats));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(1))
                    }
                    Err(_) => break,
                }
            }
        });
        Ok(CountingProxy { addr, stats, stop })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://` URL of the proxy.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The counters.
    pub fn stats(&self) -> &WireStats {
        &self.stats
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn forward(client: TcpStream, upstream: SocketAddr, stats: &WireStats) {
    let Ok(server) = TcpStream::connect(upstream) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    thread::scope(|s| {
        s.spawn(|| {
            pipe(s2, c2, |chunk| {
                stats.down.fetch_add(chunk.len() as u64, Ordering::SeqCst);
            })
        });
        let mut parser = RequestParser::default();
        pipe(client, server, |chunk| {
            stats.up.fetch_add(chunk.len() as u64, Ordering::SeqCst);
            parser.feed(chunk, stats);
        });
    });
}

/// Copies `from` → `to` until EOF or an error, showing each chunk to `seen` first.
fn pipe(mut from: TcpStream, mut to: TcpStream, mut seen: impl FnMut(&[u8])) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        seen(&buf[..n]);
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// Longest request head read before the stream is taken for something else.
const MAX_HEAD: usize = 64 * 1024;

/// Splits a client→server byte stream into HTTP/1.1 requests.
#[derive(Debug, Default)]
struct RequestParser {
    head: Vec<u8>,
    /// Route, head length and body bytes still to come of the request being read.
    body: Option<(String, u64, u64, u64)>,
    broken: bool,
}

impl RequestParser {
    fn feed(&mut self, mut chunk: &[u8], stats: &WireStats) {
        while !chunk.is_empty() {
            if self.broken {
                stats
                    .unparsed_up
                    .fetch_add(chunk.len() as u64, Ordering::SeqCst);
                return;
            }
            if let Some((route, head, total, left)) = self.body.take() {
                let n = left.min(chunk.len() as u64);
                chunk = &chunk[n as usize..];
                if left == n {
                    stats.record(route, head, total);
                } else {
                    self.body = Some((route, head, total, left - n));
                }
                continue;
            }
            // Reading a head: look for the blank line, across chunk boundaries.
            let before = self.head.len();
            self.head.extend_from_slice(chunk);
            let Some(end) = find(&self.head, b"\r\n\r\n") else {
                if self.head.len() > MAX_HEAD {
                    self.broken = true;
                    stats
                        .unparsed_up
                        .fetch_add(self.head.len() as u64, Ordering::SeqCst);
                }
                return;
            };
            let head_len = end + 4;
            let consumed = head_len - before;
            chunk = &chunk[consumed..];
            let head = std::mem::take(&mut self.head);
            match parse_head(&head[..head_len]) {
                Some((route, 0)) => stats.record(route, head_len as u64, 0),
                Some((route, len)) => self.body = Some((route, head_len as u64, len, len)),
                None => {
                    self.broken = true;
                    stats
                        .unparsed_up
                        .fetch_add(head_len as u64, Ordering::SeqCst);
                }
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The route (method and path with ids replaced) and `Content-Length` of a request head; `None`
/// for a head this parser cannot follow (not UTF-8, chunked, no request line).
fn parse_head(head: &[u8]) -> Option<(String, u64)> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?, first.next()?);
    let mut length = 0;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if name.eq_ignore_ascii_case("transfer-encoding") {
            return None;
        }
        if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse().ok()?;
        }
    }
    Some((format!("{method} {}", route_of(target)), length))
}

/// `/api/v1/visits/abc/photos/def?offset=0` → `/api/v1/visits/{id}/photos/{id}`.
fn route_of(target: &str) -> String {
    let path = target.split('?').next().unwrap_or("");
    let mut out = Vec::new();
    let mut id_next = false;
    for seg in path.split('/') {
        out.push(if id_next { "{id}" } else { seg });
        id_next = matches!(seg, "visits" | "photos" | "reviews" | "devices");
    }
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_requests_into_heads_and_bodies_across_chunks() {
        let stats = WireStats::default();
        let mut p = RequestParser::default();
        let put: &[u8] =
            b"PUT /api/v1/visits/v1/photos/p1?offset=0 HTTP/1.1\r\ncontent-length: 5\r\n\r\n";
        let get: &[u8] = b"GET /api/v1/assignments?since=x HTTP/1.1\r\nhost: a\r\n\r\n";
        let stream = [put, b"hello", get].concat();
        for chunk in stream.chunks(7) {
            p.feed(chunk, &stats);
        }
        let routes = stats.routes();
        let r = routes["PUT /api/v1/visits/{id}/photos/{id}"];
        assert_eq!((r.requests, r.head, r.body), (1, put.len() as u64, 5));
        let r = routes["GET /api/v1/assignments"];
        assert_eq!((r.requests, r.head, r.body), (1, get.len() as u64, 0));
        assert_eq!(stats.unparsed_up.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_chunked_request_is_counted_as_unparsed() {
        let stats = WireStats::default();
        let mut p = RequestParser::default();
        p.feed(
            b"POST /x HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            &stats,
        );
        assert!(stats.routes().is_empty());
        assert!(stats.unparsed_up.load(Ordering::SeqCst) > 0);
    }
}
