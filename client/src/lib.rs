//! The musicchain client library: audio analysis ([`audio`]) and the local
//! music library ([`library`]). The `musicchain` binary is a thin CLI over it.

pub mod audio;
pub mod chain;
pub mod library;
pub mod player;
pub mod search;
pub mod swarm;
pub mod wallet;
