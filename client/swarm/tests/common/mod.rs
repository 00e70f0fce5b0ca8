//! Shared helpers of the swarm tests: hosts on loopback and the fixtures.
#![allow(dead_code, unused_imports)]

pub mod net;

pub use musicchain_testkit::{files_in, fixtures, name};
