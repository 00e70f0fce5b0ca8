//! A node that restarts under a client: the real `musicchain-node`
//! binary (`--dev`, its chain on disk) is killed and started again while a
//! client holds its connection. Calls made meanwhile wait for it, and a
//! transaction in flight is sent again (the same signed bytes) and lands
//! once; a node gone for good is said so plainly. Needs the node binary,
//! so it is ignored in a plain `cargo test`; `scripts/test.sh` runs it
//! after building the node.

mod common;

use common::node::DevNode;
use musicchain_chain::{runtime, Chain, ChainError};
use musicchain_primitives::UNIT;
use musicchain_wallet::Account;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the musicchain-node binary (scripts/test.sh builds it)"]
async fn a_client_outlives_a_node_restart() {
	let mut node = DevNode::start();
	let chain = Chain::connect(&node.url, 60, |_, _| {}).await.expect("connects");
	let alice = Account::from_uri("//Alice").expect("dev account");
	let bob = Account::from_uri("//Bob").expect("dev account");
	let before = chain.balance(bob.public()).await.expect("reads").free;

	// Down for a few seconds: a read made meanwhile waits for it.
	node.kill();
	let restarted = std::thread::spawn(move || {
		std::thread::sleep(Duration::from_secs(3));
		node.restart();
		node
	});
	let during = chain.balance(bob.public()).await.expect("answered after the restart").free;
	assert_eq!(during, before);
	let mut node = restarted.join().expect("restarted");

	// A transfer waiting for its block when the node dies is sent again
	// and lands exactly once.
	let to = subxt::utils::MultiAddress::Id(subxt::utils::AccountId32(bob.public()));
	let call = runtime::tx().balances().transfer_keep_alive(to, 5 * UNIT);
	let killer = std::thread::spawn(move || {
		std::thread::sleep(Duration::from_millis(300));
		node.restart();
		node
	});
	match chain.submit_until(&alice, &call, false).await {
		// Included: sent again after the restart if the kill caught it in
		// the pool (this test cannot tell which).
		Ok(_) => eprintln!("included once"),
		// The rare case: it was included before the node died, so the
		// restarted node refuses the same bytes; the client says so.
		Err(ChainError::Other(why)) if why.contains("already on chain") => eprintln!("{why}"),
		Err(e) => panic!("the transfer was lost: {e}"),
	}
	let mut node = killer.join().expect("restarted");
	let after = chain.balance(bob.public()).await.expect("reads").free;
	assert_eq!(after, before + 5 * UNIT, "transferred exactly once");

	// Gone for good: after the wait, a read fails with one plain sentence
	// (not "RPC error: RPC error: ... The client was dropped").
	node.kill();
	match chain.balance(bob.public()).await {
		Err(e @ ChainError::Lost { .. }) => {
			let said = e.to_string();
			assert!(said.contains("did not come back within 60 s"), "{said}");
			assert!(!said.contains("RPC error"), "{said}");
			eprintln!("{said}");
		},
		other => panic!("a node gone for good is lost, not {other:?}"),
	}
}
