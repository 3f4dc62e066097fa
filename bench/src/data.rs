//! Deterministic, realistic-looking contact data.

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
