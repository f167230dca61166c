// web tests follow
