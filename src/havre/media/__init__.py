"""Media: probing, remuxing, the rendition ladder, posters and test clips. Pure functions over
local files; untrusted input is only ever parsed in a subprocess with limits."""
