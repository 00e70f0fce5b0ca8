//! JSON-RPC: the standard Substrate methods (added by `sc_service`), the
//! account nonce and fee methods wallets need, and `musicchain_*`.

mod fingerprint;

use jsonrpsee::RpcModule;
use musicchain_runtime::{opaque::Block, AccountId, Balance, Nonce};
use polkadot_sdk::{
	pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer},
	sc_transaction_pool_api::TransactionPool,
	sp_api::{CallApiAt, ProvideRuntimeApi},
	sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata},
	sp_core::offchain::OffchainStorage,
	substrate_frame_rpc_system::{System, SystemApiServer},
};
use std::sync::Arc;

pub use fingerprint::{MusicchainApiServer, MusicchainRpc};

/// What the RPC methods read from.
pub struct FullDeps<C, P, S> {
	pub client: Arc<C>,
	pub pool: Arc<P>,
	/// This node's offchain database (where the fingerprint index lives);
	/// `None` when the database has none.
	pub offchain: Option<S>,
}

/// The node's own RPC methods, merged into the standard ones.
pub fn create_full<C, P, S>(
	deps: FullDeps<C, P, S>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ CallApiAt<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: polkadot_sdk::substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>
		+ polkadot_sdk::sp_block_builder::BlockBuilder<Block>
		+ polkadot_sdk::pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>
		+ musicchain_runtime_api::MusicchainApi<
			Block,
			AccountId,
			musicchain_runtime::BlockNumber,
			Balance,
		>,
	P: TransactionPool + 'static,
	S: OffchainStorage + 'static,
{
	let FullDeps { client, pool, offchain } = deps;
	let mut module = RpcModule::new(());
	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(MusicchainRpc::new(client, offchain).into_rpc())?;
	Ok(module)
}
