mod budget;
mod credits;
mod release_escrow;
mod settle;
