//! A stand-in for WeCom, DingTalk or a webhook receiver on a loopback port, answering as the
//! platforms do (`{"errcode":0}`) or as scripted (an error status, a slow answer, an answer held
//! back). The tests and the alerts benchmark post to it and read back what arrived.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;

/// One request that arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// Path.
    pub path: String,
    /// Query string.
    pub query: String,
    /// Headers, names lower-case.
    pub headers: HashMap<String, String>,
    /// Body.
    pub body: String,
}

/// How to answer the next request.
#[derive(Debug)]
pub enum Reply {
    /// An error status.
    Status(u16),
    /// Answer after this long (longer than the sender waits: a timeout).
    Slow(Duration),
    /// Hold the answer until the sender is gone; tell the test through the channel that the
    /// request arrived.
    Hold(tokio::sync::oneshot::Sender<()>),
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<Reply>>,
    arrived: tokio::sync::Notify,
}

/// The receiver; it stops when dropped.
pub struct Receiver {
    /// Its address.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Listens on a free loopback port.
    pub async fn start() -> std::io::Result<Receiver> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Receiver { addr, shared, task })
    }

    /// A URL on it, e.g. `url("/cgi-bin/webhook/send?key=k")`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.addr)
    }

    /// Answers the next requests as given, in order; then `{"errcode":0}` again.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        if let Ok(mut s) = self.shared.script.lock() {
            s.extend(replies);
        }
    }

    /// What arrived so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.shared
            .received
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// Waits until at least `n` requests arrived or `patience` passed; what arrived.
    pub async fn wait_for(&self, n: usize, patience: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let notified = self.shared.arrived.notified();
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.received();
            }
        }
    }
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Receiver({})", self.addr)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let got = Received {
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or("").to_owned(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    // The reply is taken before the arrival is told: a test that scripts the next reply on
    // seeing this one must not change this one's.
    let reply = shared.script.lock().ok().and_then(|mut s| s.pop_front());
    if let Ok(mut r) = shared.received.lock() {
        r.push(got);
    }
    shared.arrived.notify_waiters();
    match reply {
        Some(Reply::Status(code)) => StatusCode::from_u16(code)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response(),
        Some(Reply::Slow(d)) => {
            tokio::time::sleep(d).await;
            ok()
        }
        Some(Reply::Hold(tell)) => {
            let _ = tell.send(());
            std::future::pending::<()>().await;
            ok()
        }
        None => ok(),
    }
}

fn ok() -> axum::response::Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        r#"{"errcode":0,"errmsg":"ok"}"#,
    )
        .into_response()
}
