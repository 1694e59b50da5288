//! ltc's user table: who may send commands, with which role and team. A NATS client names
//! itself in the `Ltc-Actor` header (a user's name or id); the command service looks the user
//! up here and authorises the command against that role (the rules are the aggregates' own).
//!
//! The table is a JSON file in the data directory (`<data>/users.json`), written by an operator
//! or by `ltc demo` for the people of its generated history:
//!
//! ```json
//! {"users": [{"id": "0b9e…", "name": "alice", "role": "sales_rep", "team": "6f1c…"}]}
//! ```
//!
//! Roles: `sales_rep`, `sales_manager`, `finance`, `admin`, `auditor`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ltc_domain::actor::{Actor, Role};
use ltc_domain::ids::{TeamId, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One person who may act in ltc.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub id: UserId,
    /// A login name, unique in the table; what a client usually sends as `Ltc-Actor`.
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub team: Option<TeamId>,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor { user: self.id, role: self.role, team: self.team }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    users: Vec<User>,
}

/// Why the user table could not be read.
#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    #[error("reading the user table {path}: {error}")]
    Io { path: PathBuf, error: std::io::Error },
    #[error("the user table {path} is not valid: {error}")]
    Format { path: PathBuf, error: serde_json::Error },
    #[error("the user table names {0:?} twice")]
    Duplicate(String),
}

/// The user table, looked up by name or id.
#[derive(Debug, Clone, Default)]
pub struct UserDirectory {
    users: Vec<User>,
    by_key: HashMap<String, usize>,
}

impl UserDirectory {
    pub fn new(users: Vec<User>) -> Result<UserDirectory, UsersError> {
        let mut by_key = HashMap::with_capacity(users.len() * 2);
        for (index, user) in users.iter().enumerate() {
            for key in [user.name.clone(), user.id.0.to_string()] {
                if by_key.insert(key.clone(), index).is_some() {
                    return Err(UsersError::Duplicate(key));
                }
            }
        }
        Ok(UserDirectory { users, by_key })
    }

    /// Reads `path`; a missing file is an empty table (nobody may send commands).
    pub fn load(path: &Path) -> Result<UserDirectory, UsersError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(UserDirectory::default());
            }
            Err(error) => return Err(UsersError::Io { path: path.to_owned(), error }),
        };
        let file: UsersFile = serde_json::from_str(&text)
            .map_err(|error| UsersError::Format { path: path.to_owned(), error })?;
        UserDirectory::new(file.users)
    }

    /// Writes the table to `path` (pretty JSON), replacing what was there.
    pub fn save(&self, path: &Path) -> Result<(), UsersError> {
        let file = UsersFile { users: self.users.clone() };
        let text = serde_json::to_string_pretty(&file).expect("users serialize");
        std::fs::write(path, text + "\n")
            .map_err(|error| UsersError::Io { path: path.to_owned(), error })
    }

    /// The user a client names by login name or by id.
    pub fn find(&self, name_or_id: &str) -> Option<&User> {
        let key = match Uuid::parse_str(name_or_id) {
            // Ids compare in their canonical form, whatever case the client used.
            Ok(id) => id.to_string(),
            Err(_) => name_or_id.to_owned(),
        };
        self.by_key.get(&key).map(|index| &self.users[*index])
    }

    pub fn users(&self) -> &[User] {
        &self.users
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> User {
        User {
            id: UserId(Uuid::from_u128(0xa11ce)),
            name: "alice".into(),
            role: Role::SalesRep,
            team: Some(TeamId(Uuid::from_u128(1))),
        }
    }

    #[test]
    fn a_user_is_found_by_name_or_by_id_in_any_case_and_a_stranger_is_not() {
        let directory = UserDirectory::new(vec![alice()]).unwrap();
        assert_eq!(directory.find("alice"), Some(&alice()));
        let id = alice().id.0.to_string().to_uppercase();
        assert_eq!(directory.find(&id).map(|user| user.actor()), Some(alice().actor()));
        assert_eq!(directory.find("mallory"), None);
        assert_eq!(directory.find("Alice"), None, "names are exact");
    }

    #[test]
    fn the_table_round_trips_through_its_file_and_a_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.json");
        assert!(UserDirectory::load(&path).unwrap().is_empty());
        UserDirectory::new(vec![alice()]).unwrap().save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"role\": \"sales_rep\""), "{text}");
        assert_eq!(UserDirectory::load(&path).unwrap().users(), [alice()]);
    }

    #[test]
    fn a_name_used_twice_or_an_unknown_role_is_refused() {
        let twice =
            UserDirectory::new(vec![alice(), User { id: UserId(Uuid::from_u128(2)), ..alice() }]);
        assert!(matches!(twice, Err(UsersError::Duplicate(name)) if name == "alice"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.json");
        std::fs::write(&path, r#"{"users": [{"id": "00000000-0000-0000-0000-000000000001", "name": "x", "role": "king"}]}"#).unwrap();
        assert!(matches!(UserDirectory::load(&path), Err(UsersError::Format { .. })));
    }
}
