//! Shared helpers of the command line's tests: the dev node, hosts on
//! loopback (the swarm tests' own) and the fixtures.
#![allow(dead_code, unused_imports)]

pub mod browser;
#[path = "../../../swarm/tests/common/net.rs"]
pub mod net;
pub mod node;
pub mod user;

pub use musicchain_testkit::{files_in, fixtures, name};
