// storage tests follow
