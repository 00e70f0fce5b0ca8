//! The product's flows, for every front end (the command line, the player
//! app): what a person does with musicchain, built on the library crates.
//! Nothing here prints; a flow reports what happens through typed events
//! and returns a summary, and the front end decides what a person reads.
//!
//! - [`sync`]: a scanned library meets the chain (match or register every
//!   file).
//! - [`search`]: ranked search over the catalog.
//! - [`play`]: stream a song from the swarm, play it, send the heartbeats
//!   and settle the receipt.
//! - [`download`]: a finished download joins the library.
//! - [`serve`]: what the library serves to the swarm.
//! - [`view`]: songs as a front end shows them.

pub mod download;
pub mod play;
pub mod search;
pub mod serve;
pub mod sync;
pub mod view;
