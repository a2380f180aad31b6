package login

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// MinPasswordLen is the shortest password accepted for a new user.
const MinPasswordLen = 10

// HashPassword returns the bcrypt hash of a new password, refusing one too short.
func HashPassword(password string) (string, error) {
	if len(password) < MinPasswordLen {
		return "", fmt.Errorf("password: want at least %d characters", MinPasswordLen)
	}
	if len(password) > 72 {
		return "", errors.New("password: bcrypt reads at most 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return string(h), err
}
