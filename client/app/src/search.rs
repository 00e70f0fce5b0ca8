//! Ranked search over the catalog: every word of the query must match a
//! word of the song's title, artist, album or genre, exactly, as a prefix,
//! or with a small typo (one edit for words of 4 letters or more, two from
//! 8). Exact beats prefix beats typo; title beats artist beats album beats
//! genre. Case and accents are ignored.

use musicchain_chain::catalog::Song;
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// Field weights: a title word counts most.
const FIELDS: [f32; 4] = [3.0, 2.0, 1.5, 1.0];

/// Lower-case words of `text`, accents folded (canonical decomposition
/// without its combining marks: "Café" is "cafe", "Château" "chateau"; the
/// struck letters that do not decompose, "Mørk", "Łódź", are folded too).
pub fn words(text: &str) -> Vec<String> {
	text.split(|c: char| !c.is_alphanumeric())
		.filter(|w| !w.is_empty())
		.map(|w| {
			w.nfd()
				.filter(|c| !is_combining_mark(*c))
				.flat_map(char::to_lowercase)
				.map(|c| match c {
					'ø' => 'o',
					'ł' => 'l',
					'đ' => 'd',
					other => other,
				})
				.collect()
		})
		.collect()
}

/// Edit distance with adjacent transpositions (optimal string alignment),
/// `None` above `max`.
fn distance(a: &str, b: &str, max: usize) -> Option<usize> {
	if a.chars().count().abs_diff(b.chars().count()) > max {
		return None;
	}
	let d = strsim::osa_distance(a, b);
	(d <= max).then_some(d)
}

/// How well one query word matches one word of a field: 1 exact, 0.7 a
/// prefix, 0.5 one typo, 0.3 two; `None` no match.
fn word_score(query: &str, word: &str) -> Option<f32> {
	if query == word {
		return Some(1.0);
	}
	if word.starts_with(query) {
		return Some(0.7);
	}
	let letters = query.chars().count();
	let max = match letters {
		0..=3 => return None,
		4..=7 => 1,
		_ => 2,
	};
	// A typo in the word typed so far also counts as a prefix match.
	let whole = distance(query, word, max);
	let typed = word.char_indices().nth(letters).map(|(end, _)| &word[..end]);
	let prefix = typed.and_then(|start| distance(query, start, max));
	match whole.into_iter().chain(prefix).min()? {
		0 => Some(0.7),
		1 => Some(0.5),
		_ => Some(0.3),
	}
}

/// The score of `song` for the query words, `None` unless every word matches.
pub fn score(song: &Song, query: &[String]) -> Option<f32> {
	if query.is_empty() {
		return None;
	}
	let fields =
		[words(&song.title()), words(&song.artist()), words(&song.album()), words(&song.genre())];
	let mut total = 0.0;
	for q in query {
		let best = fields
			.iter()
			.zip(FIELDS)
			.flat_map(|(ws, weight)| {
				ws.iter().filter_map(move |w| word_score(q, w).map(|s| s * weight))
			})
			.fold(None, |best: Option<f32>, s| Some(best.map_or(s, |b| b.max(s))));
		total += best?;
	}
	Some(total)
}

/// Whether every word of `query` (from [`words`]) matches a word of
/// `fields` as the search matches them: exactly, as a prefix or with a
/// small typo. An empty query matches everything.
pub fn matches(fields: &[&str], query: &[String]) -> bool {
	let words: Vec<String> = fields.iter().flat_map(|f| words(f)).collect();
	query.iter().all(|q| words.iter().any(|w| word_score(q, w).is_some()))
}

/// The songs matching `query`, best first (ties by song id).
pub fn rank<'a>(songs: &'a [Song], query: &str) -> Vec<(&'a Song, f32)> {
	let q = words(query);
	let mut hits: Vec<(&Song, f32)> =
		songs.iter().filter_map(|s| score(s, &q).map(|x| (s, x))).collect();
	hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.id.cmp(&b.0.id)));
	hits
}

#[cfg(test)]
mod tests {
	use super::*;
	use musicchain_chain::catalog::Status;
	use musicchain_primitives::Metadata;

	fn song(id: u32, title: &str, artist: &str, album: &str, genre: &str) -> Song {
		Song {
			id,
			artist_account: [0; 32],
			status: Status::Active,
			duration_ms: 1,
			metadata: Metadata::from_strs(title, artist, album, genre, None, None),
			variants: vec![],
		}
	}

	fn catalog() -> Vec<Song> {
		vec![
			song(0, "Blue Monday", "New Order", "Power, Corruption & Lies", "Synth-pop"),
			song(1, "Monday Morning", "Fleetwood Mac", "Fleetwood Mac", "Rock"),
			song(2, "Bohemian Rhapsody", "Queen", "A Night at the Opera", "Rock"),
			song(3, "Café del Mar", "Energy 52", "Café del Mar", "Trance"),
			song(4, "Blue", "Joni Mitchell", "Blue", "Folk"),
		]
	}

	fn ids(query: &str) -> Vec<u32> {
		let songs = catalog();
		rank(&songs, query).iter().map(|(s, _)| s.id).collect()
	}

	#[test]
	fn every_word_must_match() {
		assert_eq!(ids("blue monday"), vec![0]);
		assert_eq!(ids("monday"), vec![0, 1]);
		assert!(ids("blue tuesday").is_empty());
	}

	#[test]
	fn prefixes_typos_and_accents_match() {
		assert_eq!(ids("bohem"), vec![2]);
		assert_eq!(ids("bohemain rapsody"), vec![2], "a transposition and a missing letter");
		assert_eq!(ids("cafe"), vec![3]);
		assert_eq!(ids("fleetwod"), vec![1]);
		assert_eq!(words("Honky Château, CAFÉ naïve"), ["honky", "chateau", "cafe", "naive"]);
		assert_eq!(words("Mørk Łódź"), ["mork", "lodz"]);
	}

	#[test]
	fn better_matches_rank_first() {
		let mut songs = catalog();
		songs.push(song(5, "Rock Lobster", "The B-52's", "The B-52's", "New wave"));
		songs.push(song(6, "Rocket Man", "Elton John", "Honky Château", "Pop"));
		let ranked: Vec<u32> = rank(&songs, "rock").iter().map(|(s, _)| s.id).collect();
		// An exact title word, then a title prefix, then exact genres.
		assert_eq!(ranked, vec![5, 6, 1, 2]);
		assert_eq!(ids("queen rock"), vec![2]);
	}

	#[test]
	fn a_library_filter_matches_like_the_search() {
		let fields = ["/music/Björk/Homogenic/02 Jóga.flac", "Björk", "Jóga", "Homogenic"];
		assert!(matches(&fields, &words("bjork joga")));
		assert!(matches(&fields, &words("homo")), "a prefix");
		assert!(matches(&fields, &words("homogenc")), "a typo");
		assert!(matches(&fields, &words("flac")), "a word of the path");
		assert!(matches(&fields, &[]), "no filter");
		assert!(!matches(&fields, &words("bjork debut")), "every word must match");
	}
}
