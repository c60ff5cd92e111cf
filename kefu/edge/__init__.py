"""What every way into kefu shares: safe conversation ids, input validation, the conversation's platform."""
