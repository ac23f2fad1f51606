//! The client's address: the peer of the connection, or, when the peer is a proxy the operator
//! named (`serve --trusted-proxy`), the last address before it in `X-Forwarded-For`. A header
//! from anyone else is ignored: a client cannot choose its own address by writing one.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};

/// The client address of a request, `None` when the server was not told its peers (tests that
/// call the router in process).
pub fn address<B>(req: &Request<B>, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    Some(through_proxies(peer, req.headers(), trusted_proxies))
}

/// Walks `X-Forwarded-For` from the right while the hop is a trusted proxy.
fn through_proxies(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|h| h.trim().parse().ok())
        .collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop;
        if !trusted.contains(&hop) {
            break;
        }
    }
    client
}

/// Serves the request as its client (address and user agent), so the audit entries it writes
/// name them.
pub async fn audit_context(
    axum::extract::State(trusted): axum::extract::State<std::sync::Arc<Vec<IpAddr>>>,
    req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let agent = req
        .headers()
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let client = crate::audit::client::Client::new(address(&req, &trusted), agent);
    crate::audit::client::serving(client, next.run(req)).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let forged = headers("198.51.100.1, 203.0.113.7");
        // Straight from the client: its own header is ignored.
        assert_eq!(through_proxies(client, &forged, &[proxy]), client);
        // Through the proxy: the hop before it, not what the client wrote further left.
        assert_eq!(through_proxies(proxy, &forged, &[proxy]), client);
        // Two trusted proxies in a row.
        let lb: IpAddr = "10.0.0.3".parse().unwrap();
        let h = headers("198.51.100.1, 203.0.113.7, 10.0.0.3");
        assert_eq!(through_proxies(proxy, &h, &[proxy, lb]), client);
        // No proxy named: the peer.
        assert_eq!(through_proxies(proxy, &forged, &[]), proxy);
    }
}
