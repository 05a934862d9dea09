package dump

// ReadJSONLimit is ReadJSON with a smaller cap, for tests.
var ReadJSONLimit = readJSON
