//! [`CheckPlayShare`]: valid plays are free, so they may fill only a
//! bounded share of a block (DESIGN §2.6).

use crate::{BlockPlayWeight, Call, Config, Pallet};
use codec::{Decode, DecodeWithMemTracking, Encode};
use polkadot_sdk::{
	frame_support::{
		dispatch::{DispatchInfo, PostDispatchInfo},
		pallet_prelude::TransactionSource,
		traits::IsSubType,
		weights::Weight,
	},
	sp_runtime::{
		traits::{
			DispatchInfoOf, Dispatchable, PostDispatchInfoOf, TransactionExtension, ValidateResult,
		},
		transaction_validity::{InvalidTransaction, TransactionValidityError, ValidTransaction},
		DispatchResult,
	},
};
use scale_info::TypeInfo;

/// Keeps the plays (`plays.submit`) of a block within
/// [`Config::MaxPlayShare`] of its normal weight. A play that would cross
/// the line is not included in this block (`ExhaustsResources`, as a full
/// block says): it stays in the pool for the next one, and everything else
/// still fits. A play is counted at its declared weight when it is
/// included and at its actual weight once dispatched (the weight it did not
/// use goes back to the share). It carries no data; other transactions pass
/// untouched.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, Eq, PartialEq, TypeInfo)]
#[scale_info(skip_type_params(T))]
pub struct CheckPlayShare<T: Config + Send + Sync>(core::marker::PhantomData<T>);

impl<T: Config + Send + Sync> CheckPlayShare<T> {
	pub fn new() -> Self {
		Self(core::marker::PhantomData)
	}
}

impl<T: Config + Send + Sync> Default for CheckPlayShare<T> {
	fn default() -> Self {
		Self::new()
	}
}

impl<T: Config + Send + Sync> core::fmt::Debug for CheckPlayShare<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		write!(f, "CheckPlayShare")
	}
}

fn is_play<T: Config>(call: &T::RuntimeCall) -> bool
where
	T::RuntimeCall: IsSubType<Call<T>>,
{
	matches!(call.is_sub_type(), Some(Call::submit { .. }))
}

impl<T: Config + Send + Sync> TransactionExtension<T::RuntimeCall> for CheckPlayShare<T>
where
	T::RuntimeCall:
		Dispatchable<Info = DispatchInfo, PostInfo = PostDispatchInfo> + IsSubType<Call<T>>,
{
	const IDENTIFIER: &'static str = "CheckPlayShare";
	type Implicit = ();
	type Val = ();
	/// Whether the call is a play.
	type Pre = bool;

	/// Nothing worth charging: [`BlockPlayWeight`] is whitelisted and never
	/// leaves its block's overlay.
	fn weight(&self, _call: &T::RuntimeCall) -> Weight {
		Weight::zero()
	}

	fn validate(
		&self,
		origin: T::RuntimeOrigin,
		call: &T::RuntimeCall,
		info: &DispatchInfoOf<T::RuntimeCall>,
		_len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Encode,
		_source: TransactionSource,
	) -> ValidateResult<Self::Val, T::RuntimeCall> {
		if is_play::<T>(call) && info.total_weight().any_gt(Pallet::<T>::play_weight_limit()) {
			return Err(InvalidTransaction::ExhaustsResources.into());
		}
		Ok((ValidTransaction::default(), (), origin))
	}

	fn prepare(
		self,
		_val: Self::Val,
		_origin: &T::RuntimeOrigin,
		call: &T::RuntimeCall,
		info: &DispatchInfoOf<T::RuntimeCall>,
		_len: usize,
	) -> Result<Self::Pre, TransactionValidityError> {
		if !is_play::<T>(call) {
			return Ok(false);
		}
		let used = BlockPlayWeight::<T>::get().saturating_add(info.total_weight());
		if used.any_gt(Pallet::<T>::play_weight_limit()) {
			return Err(InvalidTransaction::ExhaustsResources.into());
		}
		BlockPlayWeight::<T>::put(used);
		Ok(true)
	}

	fn post_dispatch_details(
		is_play: Self::Pre,
		info: &DispatchInfoOf<T::RuntimeCall>,
		post_info: &PostDispatchInfoOf<T::RuntimeCall>,
		_len: usize,
		_result: &DispatchResult,
	) -> Result<Weight, TransactionValidityError> {
		if is_play {
			let unspent = post_info.calc_unspent(info);
			BlockPlayWeight::<T>::mutate(|used| *used = used.saturating_sub(unspent));
		}
		Ok(Weight::zero())
	}
}
