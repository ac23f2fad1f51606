//! Who was on the other end of the change an entry records: the client address and user agent of
//! the request being served, set once per request by the HTTP layer and read by every entry the
//! request writes, so no operation has to pass them along. Outside a request (commands, timers)
//! they are empty.

/// The longest user agent kept; longer ones are cut at a character boundary.
const MAX_AGENT: usize = 200;

/// The client of the request being served.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    /// Its address as the server resolved it (trusted proxies applied), or empty.
    pub address: String,
    /// Its `User-Agent`, cut to 200 bytes, or empty.
    pub agent: String,
}

impl Client {
    /// A client from what the request says.
    pub fn new(address: Option<std::net::IpAddr>, agent: Option<&str>) -> Self {
        let mut agent = agent.unwrap_or_default().to_owned();
        if agent.len() > MAX_AGENT {
            let mut end = MAX_AGENT;
            while !agent.is_char_boundary(end) {
                end -= 1;
            }
            agent.truncate(end);
        }
        Client {
            address: address.map(|a| a.to_string()).unwrap_or_default(),
            agent,
        }
    }
}

tokio::task_local! {
    static CURRENT: Client;
}

/// Runs `f` as serving `client`.
pub async fn serving<F: std::future::Future>(client: Client, f: F) -> F::Output {
    CURRENT.scope(client, f).await
}

/// The client being served, or an empty one outside a request.
pub fn current() -> Client {
    CURRENT.try_with(Client::clone).unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_client_is_seen_inside_its_request_only() {
        assert_eq!(current(), Client::default());
        let c = Client::new(Some("203.0.113.7".parse().unwrap()), Some("Mozilla/5.0"));
        let seen = serving(c.clone(), async { current() }).await;
        assert_eq!(seen, c);
        assert_eq!(current(), Client::default());
    }

    #[test]
    fn long_agents_are_cut_on_a_character_boundary() {
        let c = Client::new(None, Some(&"浏".repeat(100)));
        assert!(c.agent.len() <= MAX_AGENT);
        assert!(c.agent.chars().all(|ch| ch == '浏'));
    }
}
