//! One module per command: its arguments (`Args`) and what it does
//! (`exec`).

pub mod app;
pub mod balance;
pub mod bond;
pub mod discover;
pub mod download;
pub mod escrow;
pub mod fingerprint;
pub mod library;
pub mod moderate;
pub mod peers;
pub mod play;
pub mod relay;
pub mod royalties;
pub mod search;
pub mod send;
pub mod serve;
pub mod song;
pub mod wallet;
