//! The musicchain client library: audio analysis ([`audio`]) and the local
//! music library ([`library`]). The `musicchain` binary is a thin CLI over it.

pub mod audio;
pub mod library;
pub mod swarm;
