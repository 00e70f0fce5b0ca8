//! Ranked search over the catalog: every word of the query must match a
//! word of the song's title, artist, album or genre, exactly, as a prefix,
//! or with a small typo (one edit for words of 4 letters or more, two from
//! 8). Exact beats prefix beats typo; title beats artist beats album beats
//! genre. Case and accents are ignored.

use crate::chain::catalog::Song;

/// Field weights: a title word counts most.
const FIELDS: [f32; 4] = [3.0, 2.0, 1.5, 1.0];

/// Lower-case words of `text`, accents folded for the common Latin letters.
pub fn words(text: &str) -> Vec<String> {
	text.split(|c: char| !c.is_alphanumeric())
		.filter(|w| !w.is_empty())
		.map(|w| w.chars().flat_map(char::to_lowercase).map(fold).collect())
		.collect()
}

fn fold(c: char) -> char {
	match c {
		'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
		'ç' => 'c',
		'è' | 'é' | 'ê' | 'ë' => 'e',
		'ì' | 'í' | 'î' | 'ï' => 'i',
		'ñ' => 'n',
		'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
		'ù' | 'ú' | 'û' | 'ü' => 'u',
		'ý' | 'ÿ' => 'y',
		other => other,
	}
}

/// Edit distance with adjacent transpositions (optimal string alignment),
/// giving up above `max`.
fn distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
	if a.len().abs_diff(b.len()) > max {
		return None;
	}
	let mut prev2: Vec<usize> = Vec::new();
	let mut prev: Vec<usize> = (0..=b.len()).collect();
	for i in 1..=a.len() {
		let mut row = vec![i; b.len() + 1];
		for j in 1..=b.len() {
			let cost = usize::from(a[i - 1] != b[j - 1]);
			row[j] = (prev[j] + 1).min(row[j - 1] + 1).min(prev[j - 1] + cost);
			if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
				row[j] = row[j].min(prev2[j - 2] + 1);
			}
		}
		prev2 = std::mem::replace(&mut prev, row);
	}
	let d = prev[b.len()];
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
	let (q, w): (Vec<char>, Vec<char>) = (query.chars().collect(), word.chars().collect());
	let max = match q.len() {
		0..=3 => return None,
		4..=7 => 1,
		_ => 2,
	};
	// A typo in the word typed so far also counts as a prefix match.
	let whole = distance(&q, &w, max);
	let prefix = (w.len() > q.len()).then(|| distance(&q, &w[..q.len()], max)).flatten();
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
	use crate::chain::catalog::Status;
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
}
