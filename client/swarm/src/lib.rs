//! The swarm: musicchain's CDN. One libp2p host per client ([`host`]),
//! serving the library's files in verified pieces ([`protocol`]), fetching
//! from several providers at once ([`fetch`]), and keeping the view of who
//! is online with what ([`presence`]). A mini-node (`musicchain relay`) is
//! the same host in the [`Role::MiniNode`] role.

pub mod catalog;
pub mod fetch;
mod files;
pub mod host;
pub mod play;
pub mod presence;
pub mod protocol;

pub use catalog::{Catalog, Served};
pub use files::part_path;
pub use host::{
	start, Connection, DownloadError, DownloadHandle, DownloadRequest, Downloaded, Host,
	HostConfig, HostError, OnlinePeer, PlayError, Progress, Role, Stats,
};
pub use libp2p::PeerId;
pub use play::Payout;
