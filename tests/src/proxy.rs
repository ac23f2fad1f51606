//! A fault-injecting TCP proxy for loopback tests. Seeded, so a failing run can be reproduced: each
//! connection may be cut after a random number of client bytes, delayed, or reset at once.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

/// What faults to inject.
#[derive(Debug, Clone, Copy)]
pub struct FaultPlan {
    /// Seed of the fault sequence.
    pub seed: u64,
    /// Chance that a connection is cut after some client bytes.
    pub cut_probability: f64,
    /// A cut happens after 1..=this many client→server bytes.
    pub max_cut_offset: u64,
    /// Chance that a connection is reset before any byte is forwarded.
    pub reset_probability: f64,
    /// Largest delay added before forwarding a connection, in milliseconds.
    pub max_delay_ms: u64,
}

/// Counters of what the proxy did.
#[derive(Debug, Default)]
pub struct ProxyStats {
    /// Connections accepted.
    pub connections: AtomicU64,
    /// Connections cut mid-stream.
    pub cuts: AtomicU64,
    /// Connections reset at once.
    pub resets: AtomicU64,
    /// Bytes forwarded from clients to the server.
    pub bytes_up: AtomicU64,
}

/// A running proxy; stops when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    stats: Arc<ProxyStats>,
    stop: Arc<AtomicBool>,
}

/// xorshift64*: small, seeded, good enough to spread faults.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream` with faults from `plan`.
    pub fn start(upstream: SocketAddr, plan: FaultPlan) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(ProxyStats::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (stats2, stop2) = (stats.clone(), stop.clone());
        thread::spawn(move || {
            let mut rng = Rng(plan.seed.max(1));
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        stats2.connections.fetch_add(1, Ordering::SeqCst);
                        let fault = Fault::draw(&mut rng, &plan);
                        let stats = stats2.clone();
                        thread::spawn(move || serve(client, upstream, fault, &stats));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(2))
                    }
                    Err(_) => break,
                }
            }
        });
        Ok(FaultProxy { addr, stats, stop })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The counters.
    pub fn stats(&self) -> &ProxyStats {
        &self.stats
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

#[derive(Debug, Clone, Copy)]
struct Fault {
    reset: bool,
    cut_after: Option<u64>,
    delay: Duration,
}

impl Fault {
    fn draw(rng: &mut Rng, plan: &FaultPlan) -> Fault {
        let reset = rng.unit() < plan.reset_probability;
        let cut_after = (rng.unit() < plan.cut_probability)
            .then(|| 1 + rng.next() % plan.max_cut_offset.max(1));
        let delay = Duration::from_millis(if plan.max_delay_ms == 0 {
            0
        } else {
            rng.next() % plan.max_delay_ms
        });
        Fault {
            reset,
            cut_after,
            delay,
        }
    }
}

fn serve(client: TcpStream, upstream: SocketAddr, fault: Fault, stats: &ProxyStats) {
    if fault.reset {
        stats.resets.fetch_add(1, Ordering::SeqCst);
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    thread::sleep(fault.delay);
    let Ok(server) = TcpStream::connect(upstream) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let down = thread::spawn(move || pipe(s2, c2, None, None));
    let cut = pipe(client, server, fault.cut_after, Some(&stats.bytes_up));
    if cut {
        stats.cuts.fetch_add(1, Ordering::SeqCst);
    }
    let _ = down.join();
}

/// Copies `from` → `to` until EOF, or until `limit` bytes, when both ends are shut (a cut).
/// Returns whether it cut.
fn pipe(
    mut from: TcpStream,
    mut to: TcpStream,
    limit: Option<u64>,
    counter: Option<&AtomicU64>,
) -> bool {
    let mut buf = [0u8; 16 * 1024];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let allowed = match limit {
            Some(l) if total + n as u64 >= l => (l - total) as usize,
            _ => n,
        };
        if to.write_all(&buf[..allowed]).is_err() {
            break;
        }
        total += allowed as u64;
        if let Some(c) = counter {
            c.fetch_add(allowed as u64, Ordering::SeqCst);
        }
        if allowed < n || limit.is_some_and(|l| total >= l) {
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
            return true;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink that reads everything it is sent.
    fn sink() -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let addr = l.local_addr().unwrap_or_else(|e| panic!("{e}"));
        thread::spawn(move || {
            for s in l.incoming().map_while(Result::ok) {
                thread::spawn(move || {
                    let mut s = s;
                    let mut buf = [0u8; 4096];
                    while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
                });
            }
        });
        addr
    }

    #[test]
    fn cuts_a_connection_after_at_most_the_planned_offset() {
        let plan = FaultPlan {
            seed: 7,
            cut_probability: 1.0,
            max_cut_offset: 1000,
            reset_probability: 0.0,
            max_delay_ms: 0,
        };
        let proxy = FaultProxy::start(sink(), plan).unwrap_or_else(|e| panic!("{e}"));
        let mut c = TcpStream::connect(proxy.addr()).unwrap_or_else(|e| panic!("{e}"));
        let _ = c.write_all(&[7u8; 5000]);
        let _ = c.flush();
        let mut buf = [0u8; 16];
        let _ = c.read(&mut buf); // returns when the proxy shuts the connection
        thread::sleep(Duration::from_millis(100));
        assert_eq!(proxy.stats().connections.load(Ordering::SeqCst), 1);
        assert_eq!(proxy.stats().cuts.load(Ordering::SeqCst), 1);
        assert!(proxy.stats().bytes_up.load(Ordering::SeqCst) <= 1000);
    }
}
