//! The sales organisation: two teams, each with a manager and a few reps, plus the finance clerk
//! who invoices and books payments. Their ids are derived from the seed like every other id.
//! And the prospects behind the leads, as they type themselves into a form: each with a company
//! of their own, some coming back later with their email or phone written differently, or a
//! colleague from the same company writing in.

use chrono::{Datelike, NaiveDate};
use ltc_domain::actor::{Actor, Role};
use ltc_domain::ids::{TeamId, UserId};
use ltc_domain::lead::normalize::company_domain;
use ltc_domain::lead::{Channel, CompanySize, Source};
use rand::Rng;

use super::ids::IdSource;

/// Reps per team.
pub(super) const REPS_PER_TEAM: usize = 3;
pub(super) const TEAMS: [&str; 2] = ["North", "South"];
const REP_NAMES: [&str; 6] = ["Alice", "Bruno", "Chen", "Dana", "Emeka", "Farah"];
const MANAGER_NAMES: [&str; 2] = ["Mara", "Nils"];

#[derive(Debug, Clone)]
pub(super) struct Person {
    /// The login name in the user table `ltc demo` writes (lower case, first name only).
    pub name: String,
    pub actor: Actor,
}

#[derive(Debug)]
pub(super) struct People {
    pub reps: Vec<Person>,
    pub managers: Vec<Person>,
    pub finance: Person,
}

impl People {
    pub fn new(ids: &mut IdSource) -> People {
        let teams: Vec<TeamId> = TEAMS.iter().map(|_| TeamId(ids.next("team"))).collect();
        let person = |ids: &mut IdSource, name: &str, role, team| Person {
            name: login_name(name),
            actor: Actor { user: UserId(ids.next("user")), role, team },
        };
        let managers = (0..TEAMS.len())
            .map(|team| person(ids, MANAGER_NAMES[team], Role::SalesManager, Some(teams[team])))
            .collect();
        let reps = (0..TEAMS.len() * REPS_PER_TEAM)
            .map(|rep| {
                let team = Some(teams[rep / REPS_PER_TEAM]);
                person(ids, REP_NAMES[rep], Role::SalesRep, team)
            })
            .collect();
        let finance = person(ids, "Greta (finance)", Role::Finance, None);
        People { reps, managers, finance }
    }

    /// Everyone, managers first.
    pub fn everyone(&self) -> impl Iterator<Item = &Person> {
        self.managers.iter().chain(&self.reps).chain([&self.finance])
    }

    /// The manager of a rep's team.
    pub fn manager_of(&self, rep: usize) -> &Person {
        &self.managers[rep / REPS_PER_TEAM]
    }
}

/// "Greta (finance)" logs in as "greta".
fn login_name(name: &str) -> String {
    name.split_whitespace().next().unwrap_or(name).to_lowercase()
}

const FIRST_NAMES: [&str; 16] = [
    "Anna", "Jonas", "Lea", "Felix", "Sofia", "Malik", "Ines", "Tobias", "Mei", "Lukas", "Clara",
    "Omar", "Greta", "Paul", "Yara", "Henrik",
];
const LAST_NAMES: [&str; 16] = [
    "Schmidt",
    "Novak",
    "Berger",
    "Okafor",
    "Lindqvist",
    "Rossi",
    "Weber",
    "Kowalski",
    "Haddad",
    "Fischer",
    "Moreau",
    "Jansen",
    "Costa",
    "Keller",
    "Brandt",
    "Yilmaz",
];
const COMPANY_WORDS: [&str; 16] = [
    "Nordlicht",
    "Alpen",
    "Hanse",
    "Rhein",
    "Kepler",
    "Atlas",
    "Lumen",
    "Cobalt",
    "Meridian",
    "Polar",
    "Aurora",
    "Granite",
    "Harbor",
    "Summit",
    "Tandem",
    "Vertex",
];
const COMPANY_KINDS: [&str; 10] = [
    "Werke",
    "Logistik",
    "Analytics",
    "Foods",
    "Textiles",
    "Robotics",
    "Health",
    "Freight",
    "Retail",
    "Tools",
];
const FREE_MAIL: [&str; 3] = ["gmail.com", "outlook.com", "web.de"];
const AREA_CODES: [&str; 4] = ["30", "40", "89", "69"];

/// A prospect as they gave themselves on a lead: raw, not normalised.
#[derive(Debug, Clone)]
pub(super) struct LeadPerson {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub website: Option<String>,
    pub industry: Option<&'static str>,
    pub region: Option<&'static str>,
    pub size: Option<CompanySize>,
}

/// The `n`th prospect, whose company no earlier prospect shares. Most write from a work address;
/// some from a free-mail one, which names no company; some only leave a phone number.
pub(super) fn draw_person(rng: &mut impl Rng, n: usize) -> LeadPerson {
    let (first, last) = draw_name(rng);
    let company = company_name(n);
    let domain = format!("{}.example", company.to_lowercase().replace(' ', "-"));
    let local = format!("{}.{}", first.to_lowercase(), last.to_lowercase());
    let email = match rng.random_range(0..100) {
        0..65 => Some(format!("{local}@{domain}")),
        65..85 => Some(format!("{local}{n}@{}", FREE_MAIL[rng.random_range(0..FREE_MAIL.len())])),
        _ => None,
    };
    let phone = (email.is_none() || rng.random_bool(0.5)).then(|| {
        let area = AREA_CODES[rng.random_range(0..AREA_CODES.len())];
        format!("+49 {area} {}", rng.random_range(2_000_000..10_000_000))
    });
    let known_company = rng.random_ratio(9, 10);
    LeadPerson {
        name: format!("{first} {last}"),
        email,
        phone,
        website: (known_company && rng.random_ratio(2, 5)).then(|| format!("https://www.{domain}")),
        company: known_company.then_some(company),
        industry: None,
        region: None,
        size: None,
    }
}

/// Someone already captured, back through another form: the same email in other letters, the
/// same phone in another format, or a colleague at the same company (its name typed in capitals).
pub(super) fn resubmission(rng: &mut impl Rng, earlier: &LeadPerson, n: usize) -> LeadPerson {
    let domain = company_domain(earlier.website.as_deref(), earlier.email.as_deref());
    let mut ways = Vec::new();
    if earlier.email.is_some() {
        ways.push(0);
    }
    if earlier.phone.is_some() {
        ways.push(1);
    }
    if domain.is_some() && earlier.company.is_some() {
        ways.push(2);
    }
    let mut again = earlier.clone();
    match ways[rng.random_range(0..ways.len())] {
        0 => {
            again.email = earlier.email.as_deref().map(|email| format!("  {}", capitalised(email)));
            again.phone = None;
        }
        1 => {
            again.email = None;
            again.phone = earlier.phone.as_deref().map(|phone| reformatted(rng, phone));
        }
        _ => {
            let (first, last) = draw_name(rng);
            let domain = domain.expect("a colleague shares a known domain");
            again.name = format!("{first} {last}");
            again.email = Some(format!("{}{}.{n}@{domain}", &first[..1], last).to_lowercase());
            again.phone = None;
            again.website = None;
            again.company = earlier.company.as_deref().map(str::to_uppercase);
        }
    }
    again
}

/// A company size, small and medium companies most often.
pub(super) fn draw_size(rng: &mut impl Rng) -> CompanySize {
    match rng.random_range(0..100) {
        0..15 => CompanySize::Micro,
        15..45 => CompanySize::Small,
        45..75 => CompanySize::Medium,
        75..92 => CompanySize::Large,
        _ => CompanySize::Enterprise,
    }
}

/// The campaign a lead from `channel` came through on `day`.
pub(super) fn source_of(rng: &mut impl Rng, channel: Channel, day: NaiveDate) -> Source {
    let campaign = Some(format!("crm-{}-{:02}", day.year(), day.month()));
    let utm = |source: &str, medium: &str| Source {
        utm_source: Some(source.into()),
        utm_medium: Some(medium.into()),
        utm_campaign: campaign.clone(),
        ..Source::default()
    };
    match channel {
        Channel::WebForm if rng.random_bool(0.6) => utm("google", "cpc"),
        Channel::WebForm => {
            Source { referrer: Some("https://www.crm-review.example".into()), ..Source::default() }
        }
        Channel::Email => utm("newsletter", "email"),
        Channel::Social => utm("linkedin", "social"),
        Channel::Api => utm("partner-portal", "api"),
        Channel::Referral => {
            Source { referrer: Some("an existing customer".into()), ..Source::default() }
        }
        Channel::Event | Channel::Phone | Channel::Import => Source::default(),
    }
}

fn draw_name(rng: &mut impl Rng) -> (&'static str, &'static str) {
    let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
    (first, LAST_NAMES[rng.random_range(0..LAST_NAMES.len())])
}

/// A company name no smaller `n` gives.
fn company_name(n: usize) -> String {
    let word = COMPANY_WORDS[n % COMPANY_WORDS.len()];
    let kind = COMPANY_KINDS[(n / COMPANY_WORDS.len()) % COMPANY_KINDS.len()];
    match n / (COMPANY_WORDS.len() * COMPANY_KINDS.len()) {
        0 => format!("{word} {kind}"),
        round => format!("{word} {kind} {}", round + 1),
    }
}

/// `anna.schmidt@acme.example` as `Anna.Schmidt@Acme.Example`.
fn capitalised(email: &str) -> String {
    let mut after_separator = true;
    email
        .chars()
        .map(|c| {
            let out = if after_separator { c.to_ascii_uppercase() } else { c };
            after_separator = matches!(c, '.' | '@' | '-');
            out
        })
        .collect()
}

/// `+49 30 5550123` as `0049 30 555-0123` or `+49 (0)30 555 0123`: the same number.
fn reformatted(rng: &mut impl Rng, phone: &str) -> String {
    let parts: Vec<&str> = phone.split_whitespace().collect();
    let [_, area, number] = parts[..] else { return phone.to_owned() };
    let (head, tail) = number.split_at(3);
    if rng.random_bool(0.5) {
        format!("0049 {area} {head}-{tail}")
    } else {
        format!("+49 (0){area} {head} {tail}")
    }
}
