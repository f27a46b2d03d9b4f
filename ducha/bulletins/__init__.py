"""The monthly circular (通报) and the year's review (盘点), drafted from the data in Word
and PDF."""
