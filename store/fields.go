package store

import "fmt"

// CheckField checks one field of p by the same rules Validate applies to
// the whole post, for the wizard, which asks for a post a field at a time
// and must refuse a bad answer before the rest is known. field is a JSON
// name: "title", "text", "place", "photos", "capacity", "date", "starts_at" or
// "ends_at" (which needs StartsAt). Other names check nothing.
func (p Post) CheckField(field string) error {
	switch field {
	case "title":
		return checkString("title", p.Title, MaxTitleLen, p.Kind != KindAnnouncement)
	case "text":
		return checkString("text", p.Text, MaxTextLen, true, multiline)
	case "place":
		return checkString("place", p.Place, MaxPlaceLen, false)
	case "photos":
		return p.checkPhotos()
	case "date":
		return checkTime(field, p.Date)
	case "capacity":
		if p.Capacity < 0 || p.Capacity > MaxCapacity {
			return &FieldError{Field: field, Problem: ProblemNumber, Value: fmt.Sprint(p.Capacity), Limit: MaxCapacity}
		}
	case "starts_at", "ends_at":
		if p.Kind != KindEvent {
			return nil
		}
		if field == "starts_at" && p.StartsAt == nil {
			return &FieldError{Field: field, Problem: ProblemRequired}
		}
		if err := p.checkEvent(); err != nil {
			if fe, ok := err.(*FieldError); ok && fe.Field == field {
				return err
			}
		}
	}
	return nil
}
