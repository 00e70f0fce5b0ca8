fn main() {
	eprintln!("musicchain: the client is being built (see README)");
	std::process::exit(2);
}
