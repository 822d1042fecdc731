package remoting

// Language names as they travel in the JSON header's "language" member. In
// the binary header the same languages travel as their LanguageCode ordinal,
// which is the index into languageNames.
const (
	LanguageJava   = "JAVA"
	LanguageCPP    = "CPP"
	LanguageDotNet = "DOTNET"
	LanguagePython = "PYTHON"
	LanguageDelphi = "DELPHI"
	LanguageErlang = "ERLANG"
	LanguageRuby   = "RUBY"
	LanguageOther  = "OTHER"
	LanguageHTTP   = "HTTP"
	LanguageGo     = "GO"
	LanguagePHP    = "PHP"
	LanguageOMS    = "OMS"
	LanguageRust   = "RUST"
	LanguageNodeJS = "NODE_JS"
)

// languageNames is indexed by LanguageCode ordinal (apache/rocketmq
// LanguageCode.java); the order is the wire format and must never change.
var languageNames = [...]string{
	LanguageJava, LanguageCPP, LanguageDotNet, LanguagePython, LanguageDelphi,
	LanguageErlang, LanguageRuby, LanguageOther, LanguageHTTP, LanguageGo,
	LanguagePHP, LanguageOMS, LanguageRust, LanguageNodeJS,
}

// languageOther is the ordinal of LanguageOther.
const languageOther = 7

// LanguageCode returns the binary ordinal of a language name. Names this
// package does not know map to OTHER: the language only labels the peer in
// logs and connection listings, so it is not worth failing an encode over.
func LanguageCode(name string) byte {
	for i, n := range languageNames {
		if n == name {
			return byte(i)
		}
	}
	return languageOther
}

// LanguageName returns the name of a binary language ordinal. An ordinal
// newer than this package decodes as OTHER rather than failing the frame,
// for the same reason LanguageCode is lenient; Java would read it as null.
func LanguageName(code byte) string {
	if int(code) < len(languageNames) {
		return languageNames[code]
	}
	return LanguageOther
}
