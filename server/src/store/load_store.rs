//! How busy a store's connections are, for `/metrics`: what an operator watches to size pools.

/// A store's connections and queues right now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreLoad {
    /// Connections the store may open.
    pub connections_max: u64,
    /// Connections open now.
    pub connections_open: u64,
    /// Of those, idle.
    pub connections_idle: u64,
    /// Requests waiting for a connection.
    pub waiting: u64,
    /// Writes queued for the next group commit (SQLite).
    pub queued_writes: u64,
}

/// A store's load, read without asking the database.
pub trait LoadStore: Send + Sync {
    /// The load now.
    fn load(&self) -> StoreLoad;
}
