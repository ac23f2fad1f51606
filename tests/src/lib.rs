//! Support for the end-to-end tests: the real server on loopback (in-process or as a process), a
//! seeded county, a fault-injecting TCP proxy and a counting one. The phones are `fieldvisit-sim`'s.

pub mod cluster;
pub mod harness;
pub mod proxy;
pub mod wire;
