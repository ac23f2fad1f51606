//! Support for the end-to-end tests: the real server on loopback (in-process or as a process), a
//! seeded county, simulated phones that run the real core, and a fault-injecting TCP proxy.

pub mod harness;
pub mod phone;
pub mod proxy;
