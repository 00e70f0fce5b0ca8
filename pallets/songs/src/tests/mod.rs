mod hide;
mod offchain;
mod register;
mod update;
pub mod verdict;
mod vetting;
