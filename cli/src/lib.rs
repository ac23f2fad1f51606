//! The `fieldvisit-server` command's own part: `demo`, a seeded county served at once, with
//! simulated phones (`fieldvisit-sim`) recording and uploading visits over HTTP. Everything else
//! the command does is the server's (`fieldvisit_server::cli`).

pub mod demo;
