//! `musicchain-node`: the validator and RPC node of the musicchain network.

// `sc_cli::Error` and `sc_service::Error` are large, and the Substrate
// runner's closures must return them: the size is the framework's choice.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> polkadot_sdk::sc_cli::Result<()> {
	command::run()
}
