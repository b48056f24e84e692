"""Enterprise credit: credit files, risk grades, the dishonesty list, repair and public disclosure."""
