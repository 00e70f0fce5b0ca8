mod release_escrow;
mod settle;
