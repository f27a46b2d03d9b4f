"""Delay attribution: a lead unit names the cooperating unit that held a node up; that unit
answers; the office decides."""
