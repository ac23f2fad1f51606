//! What `/metrics` reports (Prometheus / OpenMetrics text): requests and their latency by route
//! template and method, visits ingested by outcome, photo bytes received, and alert deliveries by
//! state. Counts and route templates only: nothing about a person.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// A request's route template and method.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// HTTP method.
    pub method: String,
    /// Route template, e.g. `/api/v1/visits/{visit_id}`.
    pub route: String,
}

/// A request's route, method and status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    /// HTTP method.
    pub method: String,
    /// Route template.
    pub route: String,
    /// Status code.
    pub status: u16,
}

/// One label value.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Kind {
    /// What is counted: an ingest outcome, a delivery state.
    pub kind: String,
}

/// A delivery state.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabel {
    /// The state.
    pub state: String,
}

/// The server's metrics, shared by every request.
pub struct Metrics {
    registry: Registry,
    requests: Family<StatusLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    ingested: Family<Kind, Counter>,
    photo_bytes: Counter,
    alerts: Family<StateLabel, Gauge>,
    undeliverable: Gauge,
    connections: Family<StateLabel, Gauge>,
    waiting: Gauge,
    queued_writes: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("fieldvisit");
        let requests = Family::<StatusLabels, Counter>::default();
        // 1 ms to about 16 s.
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(exponential_buckets(0.001, 2.0, 15))) as fn() -> Histogram,
        );
        let ingested = Family::<Kind, Counter>::default();
        let photo_bytes = Counter::default();
        let alerts = Family::<StateLabel, Gauge>::default();
        let undeliverable = Gauge::default();
        let connections = Family::<StateLabel, Gauge>::default();
        let (waiting, queued_writes) = (Gauge::default(), Gauge::default());
        registry.register(
            "db_connections",
            "Database connections of this process: max, open, idle",
            connections.clone(),
        );
        registry.register(
            "db_waiting",
            "Requests waiting for a database connection",
            waiting.clone(),
        );
        registry.register(
            "db_queued_writes",
            "Writes waiting for the next group commit (SQLite)",
            queued_writes.clone(),
        );
        registry.register("http_requests", "Requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request",
            latency.clone(),
        );
        registry.register(
            "visits_ingested",
            "Sealed visits received, by outcome (stored, duplicate, conflict)",
            ingested.clone(),
        );
        registry.register(
            "photo_bytes_received",
            "Bytes of photo chunks appended",
            photo_bytes.clone(),
        );
        registry.register(
            "alert_deliveries",
            "Alert deliveries by state",
            alerts.clone(),
        );
        registry.register(
            "alerts_undeliverable",
            "Alerts that failed or whose delivery is unknown: they need an admin's look",
            undeliverable.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            ingested,
            photo_bytes,
            alerts,
            undeliverable,
            connections,
            waiting,
            queued_writes,
        }
    }
}

impl Metrics {
    /// Counts an answered request.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let (method, route) = (method.to_owned(), route.to_owned());
        self.latency
            .get_or_create(&RouteLabels {
                method: method.clone(),
                route: route.clone(),
            })
            .observe(seconds);
        self.requests
            .get_or_create(&StatusLabels {
                method,
                route,
                status,
            })
            .inc();
    }

    /// Counts a sealed visit received.
    pub fn ingested(&self, outcome: &str) {
        self.ingested
            .get_or_create(&Kind {
                kind: outcome.to_owned(),
            })
            .inc();
    }

    /// Counts photo bytes appended.
    pub fn photo_bytes(&self, n: u64) {
        self.photo_bytes.inc_by(n);
    }

    /// The text to serve, with the alert deliveries read just now and the store's load.
    pub fn render(
        &self,
        alerts: &crate::store::AlertTally,
        load: &crate::store::StoreLoad,
    ) -> Result<String, std::fmt::Error> {
        let gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        for (state, n) in [
            ("max", load.connections_max),
            ("open", load.connections_open),
            ("idle", load.connections_idle),
        ] {
            self.connections
                .get_or_create(&StateLabel {
                    state: state.to_owned(),
                })
                .set(gauge(n));
        }
        self.waiting.set(gauge(load.waiting));
        self.queued_writes.set(gauge(load.queued_writes));
        for (state, n) in [
            ("pending", alerts.pending),
            ("sending", alerts.sending),
            ("sent", alerts.sent),
            ("failed", alerts.failed),
            ("unconfirmed", alerts.unconfirmed),
        ] {
            self.alerts
                .get_or_create(&StateLabel {
                    state: state.to_owned(),
                })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
        self.undeliverable
            .set(i64::try_from(alerts.failed + alerts.unconfirmed).unwrap_or(i64::MAX));
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}
