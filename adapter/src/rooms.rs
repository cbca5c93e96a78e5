//! [`IntoRooms`]: one room or many, as Node's `join`, `to`, `in` and `except` take them.

use socketio_codec::Value;

use crate::Room;

/// Anything that names rooms: a `&str`, a `String`, a [`Room`], an array, a `Vec` or a slice
/// of those, a JSON [`Value`] (a string or an array of strings, as a client sends a room list),
/// or any iterator wrapped in [`rooms`].
///
/// ```
/// use socketio_adapter::{rooms, IntoRooms};
///
/// assert_eq!("a".into_rooms().len(), 1);
/// assert_eq!(["a", "b"].into_rooms().len(), 2);
/// assert_eq!(vec![String::from("a")].into_rooms().len(), 1);
/// assert_eq!(rooms((1..4).map(|n| format!("room-{n}"))).into_rooms().len(), 3);
/// let from_client = socketio_adapter::Value::from(vec!["x".into(), "y".into()]);
/// assert_eq!(from_client.into_rooms().len(), 2);
/// ```
pub trait IntoRooms {
    /// The rooms.
    fn into_rooms(self) -> Vec<Room>;
}

/// Wraps any iterator of room names (see [`IntoRooms`]).
pub fn rooms<I>(iter: I) -> Rooms<I::IntoIter>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    Rooms(iter.into_iter())
}

/// An iterator of room names; see [`rooms`].
#[derive(Clone, Debug)]
pub struct Rooms<I>(I);

impl<I> IntoRooms for Rooms<I>
where
    I: Iterator,
    I::Item: AsRef<str>,
{
    fn into_rooms(self) -> Vec<Room> {
        self.0.map(|r| Room::from(r.as_ref())).collect()
    }
}

impl IntoRooms for &str {
    fn into_rooms(self) -> Vec<Room> {
        vec![Room::from(self)]
    }
}

impl IntoRooms for String {
    fn into_rooms(self) -> Vec<Room> {
        vec![Room::from(self)]
    }
}

impl IntoRooms for &String {
    fn into_rooms(self) -> Vec<Room> {
        vec![Room::from(self.as_str())]
    }
}

impl IntoRooms for Room {
    fn into_rooms(self) -> Vec<Room> {
        vec![self]
    }
}

impl IntoRooms for crate::Sid {
    fn into_rooms(self) -> Vec<Room> {
        vec![Room::from(self.as_str())]
    }
}

impl<T: AsRef<str>, const N: usize> IntoRooms for [T; N] {
    fn into_rooms(self) -> Vec<Room> {
        self.iter().map(|r| Room::from(r.as_ref())).collect()
    }
}

impl<T: AsRef<str>> IntoRooms for Vec<T> {
    fn into_rooms(self) -> Vec<Room> {
        self.iter().map(|r| Room::from(r.as_ref())).collect()
    }
}

impl<T: AsRef<str>> IntoRooms for &[T] {
    fn into_rooms(self) -> Vec<Room> {
        self.iter().map(|r| Room::from(r.as_ref())).collect()
    }
}

impl<T: AsRef<str>> IntoRooms for &Vec<T> {
    fn into_rooms(self) -> Vec<Room> {
        self.as_slice().into_rooms()
    }
}

/// A string is one room, an array its string items (numbers as their JSON text, as Node
/// turns them into room names); anything else names no room.
impl IntoRooms for &Value {
    fn into_rooms(self) -> Vec<Room> {
        match self {
            Value::String(s) => vec![Room::from(s.as_str())],
            Value::Number(n) => vec![Room::from(n.to_string())],
            Value::Array(items) => items.iter().flat_map(IntoRooms::into_rooms).collect(),
            _ => Vec::new(),
        }
    }
}

impl IntoRooms for Value {
    fn into_rooms(self) -> Vec<Room> {
        (&self).into_rooms()
    }
}
