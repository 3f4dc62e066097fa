//! Deterministic, realistic contacts for a portal
//! (`POST /_spoke/v1/portals/{portalId}/seed`, `spoke seed`), and the same
//! data for the benchmarks: names, unique emails, companies, cities, job
//! titles, phones and lifecycle stages, with a history of changes.
//!
//! Contact number `n` of seed `s` is the same whoever asks and however the
//! numbers are split into calls, so a large seed can be written in steps.

use crate::contact::{ChangeSource, ContactLookup, ContactWrite, PropertyChanges};
use crate::error::{Error, Result};
use crate::ids::PortalId;
use crate::store::{BatchMode, ContactOp, Store};
use crate::time::Timestamp;
use std::sync::Arc;

/// xorshift64*: small, fast, reproducible; not for secrets.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

pub const FIRST_NAMES: &[&str] = &[
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Daniel",
    "Nancy",
    "Matthew",
    "Lisa",
    "Anthony",
    "Betty",
    "Mark",
    "Sandra",
    "Paul",
    "Ashley",
    "Steven",
    "Kimberly",
    "Andrew",
    "Emily",
    "Kenneth",
    "Donna",
    "Joshua",
    "Michelle",
    "Kevin",
    "Carol",
    "Brian",
    "Amanda",
    "George",
    "Melissa",
    "Timothy",
    "Deborah",
    "Ingrid",
    "Sven",
    "Aiko",
    "Kenji",
    "Fatima",
    "Omar",
    "Priya",
    "Arjun",
    "Chen",
    "Mei",
    "Lucas",
    "Sofia",
    "Mateo",
    "Valentina",
    "Noah",
    "Emma",
    "Liam",
    "Olivia",
    "Ana",
    "Jorge",
    "Zoe",
    "Ivan",
];

pub const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Larsen",
    "Tanaka",
    "Okafor",
    "Kowalski",
];

pub const COMPANIES: &[&str] = &[
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark Industries",
    "Wayne Enterprises",
    "Wonka Industries",
    "Cyberdyne Systems",
    "Soylent",
    "Tyrell Corporation",
    "Massive Dynamic",
    "Vandelay Industries",
    "Pied Piper",
    "Aperture Science",
    "Black Mesa",
    "Gringotts",
    "Oscorp",
    "Monarch Solutions",
    "Blue Sun",
    "Nakatomi Trading",
    "Dunder Mifflin",
    "Prestige Worldwide",
];

pub const CITIES: &[&str] = &[
    "New York",
    "London",
    "Paris",
    "Berlin",
    "Tokyo",
    "Oslo",
    "Madrid",
    "Rome",
    "Toronto",
    "Sydney",
    "Chicago",
    "Boston",
    "Austin",
    "Seattle",
    "Dublin",
    "Amsterdam",
    "Lisbon",
    "Stockholm",
    "Copenhagen",
    "Vienna",
    "Prague",
    "Warsaw",
    "Mumbai",
    "Singapore",
    "Sao Paulo",
];

pub const JOB_TITLES: &[&str] = &[
    "Software Engineer",
    "Account Executive",
    "Marketing Manager",
    "Head of Sales",
    "CTO",
    "Product Manager",
    "Customer Success Manager",
    "VP Engineering",
    "Data Analyst",
    "Designer",
    "Operations Lead",
    "Founder",
    "Consultant",
    "Recruiter",
    "Support Specialist",
];

pub const STAGES: &[&str] = &[
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
];

pub const DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "mail.example.net",
    "corp.example.com",
    "example.io",
];

/// The eight properties of contact number `n` (unique email).
pub fn contact_properties(rng: &mut Rng, n: u64) -> serde_json::Value {
    let first = rng.pick(FIRST_NAMES);
    let last = rng.pick(LAST_NAMES);
    serde_json::json!({
        "email": format!("{}.{}.{n}@{}", first.to_lowercase(), last.to_lowercase(), rng.pick(DOMAINS)),
        "firstname": first,
        "lastname": last,
        "company": rng.pick(COMPANIES),
        "city": rng.pick(CITIES),
        "jobtitle": rng.pick(JOB_TITLES),
        "phone": format!("+1 555 {:04}", rng.below(10_000)),
        "lifecyclestage": rng.pick(STAGES),
    })
}

/// Most contacts one seed call writes (the CLI calls again for more).
pub const MAX_SEED_CONTACTS: u64 = 100_000;
/// Contacts per transaction.
const BATCH: u64 = 100;

/// Contact `n` of `seed`: the values it is created with, and the later
/// stage it moves to (about two thirds move on), which gives it a history.
pub fn seeded_contact(seed: u64, n: u64) -> (Vec<(&'static str, String)>, Option<&'static str>) {
    let mut rng = Rng::new(seed.wrapping_mul(0x1000_0000_01B3) ^ n.wrapping_add(1));
    let first = rng.pick(FIRST_NAMES);
    let last = rng.pick(LAST_NAMES);
    let email = format!(
        "{}.{}.{n}@{}",
        first.to_lowercase(),
        last.to_lowercase(),
        rng.pick(DOMAINS)
    );
    // Subscriber or lead at first; later further down the funnel.
    let start = rng.below(2) as usize;
    let later = (rng.below(3) != 0).then(|| STAGES[start + 1 + rng.below(5) as usize]);
    let values = vec![
        ("email", email),
        ("firstname", first.to_string()),
        ("lastname", last.to_string()),
        ("company", rng.pick(COMPANIES).to_string()),
        ("city", rng.pick(CITIES).to_string()),
        ("jobtitle", rng.pick(JOB_TITLES).to_string()),
        ("phone", format!("+1 555 {:04}", rng.below(10_000))),
        ("lifecyclestage", STAGES[start].to_string()),
    ];
    (values, later)
}

/// What a seed call wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Seeded {
    /// Contacts written (created, or updated when their email was known).
    pub contacts: u64,
    /// Later changes that gave contacts a history.
    pub changes: u64,
}

fn write(pairs: impl IntoIterator<Item = (&'static str, String)>, at: Timestamp) -> ContactWrite {
    let mut changes = PropertyChanges::default();
    for (name, value) in pairs {
        changes.set(name.to_string(), Some(value));
    }
    ContactWrite {
        changes,
        source: ChangeSource {
            source_type: "IMPORT".into(),
            source_id: Some("spoke-seed".into()),
            source_label: Some("Spoke seed".into()),
            updated_by_user_id: None,
        },
        at,
    }
}

/// Writes contacts `from..from + count` of `seed` into the portal, in
/// transactions of 100, each upserted by email (so a contact seeded twice
/// is one contact), then moves two thirds of them to a later stage.
pub async fn seed(
    store: &Arc<dyn Store>,
    portal: PortalId,
    count: u64,
    seed: u64,
    from: u64,
) -> Result<Seeded> {
    if count == 0 || count > MAX_SEED_CONTACTS {
        return Err(Error::invalid_field(
            "contacts",
            format!("contacts must be between 1 and {MAX_SEED_CONTACTS} per call; call again (with offset) for more."),
        ));
    }
    let mut out = Seeded::default();
    let mut start = from;
    let end = from.saturating_add(count);
    while start < end {
        let stop = (start + BATCH).min(end);
        let now = Timestamp::now();
        let contacts: Vec<_> = (start..stop).map(|n| seeded_contact(seed, n)).collect();
        let creates = contacts
            .iter()
            .map(|(values, _)| ContactOp::Upsert {
                property: "email".into(),
                key: values[0].1.clone(),
                write: write(values.iter().cloned(), now),
            })
            .collect();
        refused(
            store
                .apply(portal, creates, BatchMode::AllOrNothing)
                .await?,
        )?;
        out.contacts += stop - start;
        let moves: Vec<ContactOp> = contacts
            .iter()
            .filter_map(|(values, later)| {
                later.map(|stage| ContactOp::Update {
                    lookup: ContactLookup::Unique {
                        property: "email".into(),
                        key: values[0].1.clone(),
                    },
                    write: write([("lifecyclestage", stage.to_string())], Timestamp::now()),
                })
            })
            .collect();
        out.changes += moves.len() as u64;
        if !moves.is_empty() {
            refused(store.apply(portal, moves, BatchMode::AllOrNothing).await?)?;
        }
        start = stop;
    }
    Ok(out)
}

/// Seeding, as the admin API uses it.
#[derive(Clone)]
pub struct Seeder {
    store: Arc<dyn Store>,
}

impl Seeder {
    pub fn new(store: Arc<dyn Store>) -> Seeder {
        Seeder { store }
    }

    /// Contacts `offset..offset + contacts` of `seed` into the portal.
    pub async fn seed(
        &self,
        portal: PortalId,
        contacts: u64,
        seed: u64,
        offset: u64,
    ) -> Result<Seeded> {
        if self.store.portal(portal).await?.is_none() {
            return Err(crate::access::service::no_portal(portal));
        }
        self::seed(&self.store, portal, contacts, seed, offset).await
    }
}

/// The first refusal of an all-or-nothing batch.
fn refused<T>(results: Vec<Result<T>>) -> Result<()> {
    results.into_iter().try_for_each(|r| r.map(drop))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seeded_contact_is_the_same_whoever_asks() {
        assert_eq!(seeded_contact(42, 7), seeded_contact(42, 7));
        assert_ne!(seeded_contact(42, 7), seeded_contact(43, 7));
        let emails: std::collections::BTreeSet<String> = (0..1000)
            .map(|n| seeded_contact(42, n).0[0].1.clone())
            .collect();
        assert_eq!(emails.len(), 1000, "emails are unique");
        let moved = (0..1000)
            .filter(|n| seeded_contact(42, *n).1.is_some())
            .count();
        assert!((550..780).contains(&moved), "{moved}");
        for n in 0..1000 {
            let (values, later) = seeded_contact(42, n);
            let start = STAGES.iter().position(|s| *s == values[7].1).unwrap();
            assert!(start < 2);
            if let Some(later) = later {
                assert!(STAGES.iter().position(|s| *s == later).unwrap() > start);
            }
        }
    }
}
