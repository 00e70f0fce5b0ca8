//! The swarm: musicchain's CDN. One libp2p host per client ([`host`]),
//! serving the library's files in verified pieces ([`protocol`]), fetching
//! from several providers at once ([`fetch`]), and keeping the view of who
//! is online with what ([`presence`]). A mini-node (`musicchain relay`) is
//! the same host in the [`Role::MiniNode`] role.

mod buffers;
pub mod catalog;
mod error;
pub mod fetch;
mod files;
pub mod host;
pub mod play;
mod prefix;
pub mod presence;
pub mod protocol;

pub use catalog::{Catalog, Served};
pub use error::{DownloadError, HostError, PlayError};
pub use host::{
	start, Connection, DownloadHandle, DownloadRequest, Downloaded, Host, HostConfig, LinkKind,
	LinkStatus, OnlinePeer, Progress, Role, Stats,
};
pub use libp2p::PeerId;
pub use play::Payout;
pub use prefix::PrefixReader;
