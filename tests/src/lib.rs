//! Support for the end-to-end tests: the real server on loopback (in-process or as a process), a
//! seeded county, simulated phones that run the real core, a fault-injecting TCP proxy and a counting one.

pub mod camera;
pub mod cluster;
pub mod harness;
pub mod phone;
pub mod proxy;
pub mod wire;
