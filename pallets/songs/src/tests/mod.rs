mod hide;
mod register;
mod update;
